/**
 * `agentctl load` end to end through the built CLI. `npm test` builds first; run `npx tsc -p .`
 * before running this file alone.
 */
import { createServer as createHttpServer } from 'node:http'
import { createServer } from 'node:net'
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs'
import { networkInterfaces, tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { agentctl, assertBuilt } from './cli.js'
import { startDelayServer, type TestServer } from './servers.js'
import { shippedReportValidator } from '../support/report-validator.js'

const work = mkdtempSync(join(tmpdir(), 'agentctl-load-cli-'))
let server: TestServer
beforeAll(async () => {
  assertBuilt()
  server = await startDelayServer(20)
})
afterAll(async () => {
  await server.close()
  rmSync(work, { recursive: true, force: true })
})

const quick = ['--method', 'GET', '--path', '/', '--warmup', '200ms']

describe('agentctl load: validation before traffic', () => {
  it.each([
    ['p42<100', /unknown metric "p42"/],
    ['p95<<3', /expected METRIC OP VALUE/],
  ])('an invalid --slo %s exits 2 naming the expression and the metrics, with no request sent', async (slo, message) => {
    const before = server.received()
    const { code, stderr } = await agentctl(['load', '--target', server.url, ...quick, '--rate', '5', '--duration', '1s', '--slo', 'p95<100', '--slo', slo], { cwd: work }).done
    expect(code).toBe(2)
    expect(stderr).toMatch(message)
    expect(stderr).toContain(slo)
    expect(stderr).toMatch(/p50, p90, p95, p99, max, avg, error_rate/)
    expect(server.received()).toBe(before)
  })

  it('an invalid load.slo in the config exits 2 too, naming the file and the entry', async () => {
    writeFileSync(join(work, 'bad-slo.yaml'), "load:\n  slo: ['latency<5s']\n")
    const { code, stderr } = await agentctl(['load', '-c', 'bad-slo.yaml', '--target', server.url, ...quick, '--duration', '1s'], { cwd: work }).done
    expect(code).toBe(2)
    expect(stderr).toMatch(/bad-slo\.yaml: load\.slo\[0\]: invalid SLO "latency<5s": unknown metric "latency"/)
  })

  it.each([
    [['--rate', '5', '--mock-llm', 'latncy=800ms..2s'], /--mock-llm: unknown key "latncy"[\s\S]*valid keys: latency, scenario, seed/],
    [['--rate', '5', '--mock-llm', 'scenario=nosuch'], /unknown scenario "nosuch"[\s\S]*valid scenarios: healthy, slow/],
    [['--rate', '5', '--baseline', 'missing.json', '--tolerance', '1'], /--tolerance 1 is ambiguous/],
    [['--connections', '100000'], /--connections 100000 is above --max-connections \(1000\)/],
    [['--rate', '5', '--header', 'X-Api-Key secretvalue123'], /invalid --header \(number 1 of 1\)/],
    // Flags the chosen mode would ignore are refused in one line (issue 20).
    [['--find-capacity', '--connections', '20'], /^agentctl: --connections does not apply to --find-capacity: the search sizes connections from the latency it measures \(bound them with --max-connections\)$/m],
    [['--rate', '5', '--step-rps', '2'], /--step-rps applies only to --find-capacity/],
    [['--rate', '5', '--headroom', '20%'], /--headroom applies only with --target-rps/],
  ])('%j exits 2 before any traffic, naming the flag', async (args, message) => {
    const before = server.received()
    const { code, stderr } = await agentctl(['load', '--target', server.url, ...quick, '--duration', '1s', ...args], { cwd: work }).done
    expect(code).toBe(2)
    expect(stderr).toMatch(message)
    expect(stderr).not.toMatch(/secretvalue123|free the port/)
    expect(server.received()).toBe(before)
  })

  it('a rate above load.maxRps exits 2', async () => {
    writeFileSync(join(work, 'low-max.yaml'), 'load:\n  maxRps: 10\n')
    const { code, stderr } = await agentctl(['load', '-c', 'low-max.yaml', '--target', server.url, ...quick, '--rate', '50', '--duration', '1s'], { cwd: work }).done
    expect(code).toBe(2)
    expect(stderr).toMatch(/above load.maxRps \(10\)/)
  })

  it('refuses a non-loopback target before opening any connection', async () => {
    // A listener on this machine's own non-loopback address counts connection attempts: there
    // must be none. Without such an interface, TEST-NET 192.0.2.1 (never routed) stands in.
    const address = Object.values(networkInterfaces()).flat().find((i) => i && i.family === 'IPv4' && !i.internal)?.address
    let connections = 0
    const listener = createServer((socket) => {
      connections++
      socket.destroy()
    })
    let target = 'http://192.0.2.1:8080'
    if (address) {
      await new Promise<void>((resolve) => listener.listen(0, address, resolve))
      target = `http://${address}:${(listener.address() as { port: number }).port}`
    }
    const { code, stderr } = await agentctl(['load', '--target', target, ...quick, '--rate', '5', '--duration', '1s'], { cwd: work }).done
    listener.close()
    expect(code).toBe(2)
    expect(stderr).toMatch(/refusing to load .* not loopback; no traffic was sent/)
    expect(stderr).toMatch(/--allow-remote/)
    expect(connections).toBe(0)
  })
})

describe('agentctl load: a target nothing answers', () => {
  it('exits 2 before any load, naming the cause, instead of judging refused sends as the agent\'s errors', async () => {
    // A port that was free a moment ago: nothing listens there.
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number }
        probe.close(() => resolve(port))
      })
    })
    const began = Date.now()
    const { code, stderr } = await agentctl(['load', '--target', `http://127.0.0.1:${port}`, ...quick, '--rate', '10', '--duration', '20s', '--slo', 'error_rate<1%'], { cwd: work }).done
    expect(code).toBe(2)
    expect(stderr).toMatch(new RegExp(`no agent answers at http://127\\.0\\.0\\.1:${port}/health \\(ECONNREFUSED: connection refused\\)`))
    expect(stderr).not.toMatch(/open model/) // no plan, no traffic
    expect(Date.now() - began).toBeLessThan(15_000) // not the 20 s window
  })

  it('an agent that stops answering mid-run: the failed SLO names the cause (connection refused), not overload', async () => {
    // Answers the pre-flight GET, then stops listening: every chat after it is refused.
    const dying = createHttpServer((_req, res) => {
      res.end('ok', () => {
        dying.close()
        dying.closeAllConnections()
      })
    })
    await new Promise<void>((resolve) => dying.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(dying.address() as { port: number }).port}`
    const out = join(work, 'refused.json')
    const { code } = await agentctl(['load', '--target', url, ...quick, '--rate', '10', '--duration', '1s', '--slo', 'error_rate<1%', '-o', out], { cwd: work }).done
    expect(code).toBe(1)
    const errorRate = JSON.parse(readFileSync(out, 'utf8')).findings.find((f: { checkId: string }) => f.checkId === 'load-slo-error-rate')
    expect(errorRate.status).toBe('fail')
    expect(errorRate.remediation).toMatch(/^\d+ of \d+ requests never reached the agent \(ECONNREFUSED x\d+: connection refused\): check the target URL/)
  })
})

describe('agentctl load: gates and reports', () => {
  it('passes the SLO, writes a JSON report with histograms and a timeline', async () => {
    const out = join(work, 'pass.json')
    const { code, stderr } = await agentctl(['load', '--target', server.url, ...quick, '--rate', '20', '--duration', '2s', '--slo', 'p95<1s', '--slo', 'error_rate<1%', '-o', out], { cwd: work }).done
    expect(stderr).toMatch(/open model: 20 rps offered/) // the plan comes first
    expect(code).toBe(0)
    const report = JSON.parse(readFileSync(out, 'utf8'))
    expect(report.command).toBe('load')
    expect(report.load.mode).toBe('open')
    expect(report.load.requests).toBe(40)
    expect(report.load.latencyMs.p50).toBeGreaterThanOrEqual(20)
    expect(report.load.histograms.overall).toMatch(/^[A-Za-z0-9+/=]+$/)
    expect(report.load.timeline).toHaveLength(2)
    expect(report.findings.filter((f: { checkId: string }) => f.checkId.startsWith('load-slo-'))).toHaveLength(2)
    const validate = shippedReportValidator() // the published schema, as users' tools apply it
    expect(validate(report), JSON.stringify(validate.errors)).toBe(true)
  })

  it('--find-capacity reports the sustainable rate, the knee and replicas (JSON and HTML)', async () => {
    // 2 requests at a time, 20 ms each: 100 req/s.
    const limited = await startDelayServer(20, 2)
    const out = join(work, 'capacity.json')
    const html = join(work, 'capacity.html')
    const { code, stderr } = await agentctl(
      ['load', '--target', limited.url, ...quick, '--find-capacity', '--start-rps', '40', '--step-rps', '40', '--max-rps', '400', '--step-duration', '1s', '--slo', 'p95<150', '--target-rps', '500', '-o', out, '-o', html],
      { cwd: work },
    ).done
    await limited.close()
    expect(stderr).toMatch(/capacity search \(linear ramp\): open model, 40 rps \+ 40 rps per step up to 400 rps/)
    expect(code).toBe(0)
    const { load, findings } = JSON.parse(readFileSync(out, 'utf8'))
    expect(load.mode).toBe('capacity')
    expect(load.capacity.maxSustainableRps).toBeGreaterThanOrEqual(40)
    expect(load.capacity.maxSustainableRps).toBeLessThanOrEqual(120)
    expect(load.capacity.replicasNeeded).toBe(Math.ceil((500 * 1.3) / load.capacity.maxSustainableRps))
    expect(load.steps.length).toBeGreaterThanOrEqual(2)
    // The last step broke, and says why (an SLO, the achieved rate, a growing queue); no other did.
    expect(load.steps.at(-1).breach).toMatch(/\S/)
    expect(load.steps.slice(0, -1).every((s: { breach?: string }) => s.breach === undefined)).toBe(true)
    expect(Object.keys(load.histograms)).toContain('step-1-40rps')
    expect(findings.find((f: { checkId: string }) => f.checkId === 'load-capacity').message).toMatch(/one replica sustains \d+ rps/)
    expect(readFileSync(html, 'utf8')).toMatch(/<html/i)
  })

  it('an "at least" capacity bounds the replicas from above and says so, never as the count needed', async () => {
    const out = join(work, 'at-least.json')
    const { code } = await agentctl(['load', '--target', server.url, ...quick, '--find-capacity', '--start-rps', '20', '--step-rps', '20', '--max-rps', '40', '--step-duration', '1s', '--slo', 'p95<2s', '--target-rps', '100', '-o', out], { cwd: work }).done
    expect(code).toBe(0) // a warn
    const { load, findings } = JSON.parse(readFileSync(out, 'utf8'))
    expect(load.capacity).toMatchObject({ outcome: 'at-least', maxSustainableRps: 40, targetRps: 100, replicasAtMost: 4, headroom: 0.3 }) // ceil(130 / 40)
    expect(load.capacity.replicasNeeded).toBeUndefined()
    const finding = findings.find((f: { checkId: string }) => f.checkId === 'load-capacity')
    expect(finding.status).toBe('warn')
    expect(finding.message).toMatch(/^at least 40 rps per replica .*; at most 4 replicas for 100 rps with 30% headroom \(each carries at least 40 rps\)$/)
  })

  it('exits 1 when a threshold fails, with a finding per threshold', async () => {
    const out = join(work, 'fail.json')
    const { code } = await agentctl(['load', '--target', server.url, ...quick, '--connections', '2', '--duration', '1s', '--slo', 'p50<5', '--slo', 'error_rate<0.01', '-o', out], { cwd: work }).done
    expect(code).toBe(1)
    const report = JSON.parse(readFileSync(out, 'utf8'))
    const p50 = report.findings.find((f: { checkId: string }) => f.checkId === 'load-slo-p50')
    expect(p50.status).toBe('fail')
    expect(p50.evidence.observed).toBeGreaterThan(5)
    expect(p50.remediation).not.toBe('')
    expect(report.verdict).toBe('fail')
  })

  it('--abort-on-fail stops early', async () => {
    const started = Date.now()
    const out = join(work, 'abort.json')
    const { code } = await agentctl(['load', '--target', server.url, ...quick, '--rate', '20', '--duration', '20s', '--slo', 'p95<1', '--abort-on-fail', '-o', out], { cwd: work }).done
    expect(code).toBe(1)
    expect(Date.now() - started).toBeLessThan(12_000)
    expect(JSON.parse(readFileSync(out, 'utf8')).load.aborted).toMatch(/p95<1 failed after \d+s/)
  })

  it('--baseline fails on a latency regression beyond the tolerance', async () => {
    const slow = await startDelayServer(60)
    const base = join(work, 'base.json')
    const first = await agentctl(['load', '--target', server.url, ...quick, '--rate', '20', '--duration', '1s', '-o', base], { cwd: work }).done
    expect(first.code, first.stderr).toBe(0)
    const out = join(work, 'regressed.json')
    const { code } = await agentctl(['load', '--target', slow.url, ...quick, '--rate', '20', '--duration', '1s', '--baseline', base, '--tolerance', '20%', '-o', out], { cwd: work }).done
    await slow.close()
    expect(code).toBe(1)
    const report = JSON.parse(readFileSync(out, 'utf8'))
    expect(report.load.baseline.regressions.map((r: { metric: string }) => r.metric)).toContain('latency p50 (ms)')
    expect(report.findings.find((f: { checkId: string }) => f.checkId === 'load-baseline').status).toBe('fail')
  })

  it('Ctrl-C stops cleanly, writes the partial report and exits 130', async () => {
    const out = join(work, 'partial.json')
    const run = agentctl(['load', '--target', server.url, ...quick, '--rate', '20', '--duration', '30s', '-o', out], { cwd: work })
    // Wait for the plan (printed before traffic), then for some traffic.
    await new Promise<void>((resolve) => run.child.stderr!.on('data', (d: Buffer) => String(d).includes('open model') && resolve()))
    await new Promise((r) => setTimeout(r, 1500))
    run.child.kill('SIGINT')
    const { code } = await run.done
    expect(code).toBe(130)
    expect(existsSync(out)).toBe(true)
    const report = JSON.parse(readFileSync(out, 'utf8'))
    expect(report.load.aborted).toMatch(/interrupted/)
    expect(report.verdict).toBe('interrupted')
    expect(report.load.requests).toBeGreaterThan(5)
    expect(report.findings.find((f: { checkId: string }) => f.checkId === 'load-run').status).toBe('warn')
  })

  it('Ctrl-C during the warm-up never passes: exit 130, a report with nothing measured', async () => {
    const out = join(work, 'warmup.json')
    const run = agentctl(['load', '--target', server.url, '--method', 'GET', '--path', '/', '--warmup', '20s', '--rate', '20', '--duration', '5s', '-o', out], { cwd: work })
    await new Promise<void>((resolve) => run.child.stderr!.on('data', (d: Buffer) => String(d).includes('open model') && resolve()))
    await new Promise((r) => setTimeout(r, 500))
    run.child.kill('SIGINT')
    const { code } = await run.done
    expect(code).toBe(130)
    const report = JSON.parse(readFileSync(out, 'utf8'))
    expect(report.load.requests).toBe(0)
    expect(report.verdict).toBe('interrupted')
    expect(report.findings.filter((f: { checkId: string }) => f.checkId.startsWith('load-slo-')).map((f: { status: string }) => f.status)).toEqual(['skip', 'skip'])
    expect(report.load.slo).toEqual([]) // no pass/fail verdicts on thresholds nothing was measured for
  })

  it('--baseline refuses a run of another model before any traffic', async () => {
    const base = join(work, 'closed-base.json')
    const first = await agentctl(['load', '--target', server.url, ...quick, '--connections', '2', '--duration', '1s', '-o', base], { cwd: work }).done
    expect(first.code, first.stderr).toBe(0)
    const closed = JSON.parse(readFileSync(base, 'utf8'))
    expect(closed.load).toMatchObject({ mode: 'closed', connections: 2 })
    const validate = shippedReportValidator()
    expect(validate(closed), JSON.stringify(validate.errors)).toBe(true)
    const before = server.received()
    const { code, stderr } = await agentctl(['load', '--target', server.url, ...quick, '--rate', '20', '--duration', '1s', '--baseline', base], { cwd: work }).done
    expect(code).toBe(2)
    expect(stderr).toMatch(/is a closed-model run .*, this is an open-model run/)
    expect(server.received()).toBe(before)
  })
})
