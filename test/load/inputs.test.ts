/** `agentctl load`'s input handling: baselines, bounds, flag values and what reaches the user. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config/load.js'
import { AgentctlError } from '../../src/exit-codes.js'
import { compareToBaseline, parseTolerance, readBaseline, undecidedCapacity } from '../../src/load/baseline.js'
import { loadFindings } from '../../src/load/findings.js'
import { evaluateSlos, parseSlos } from '../../src/load/slo.js'
import { parseMockLlm, parsePercent, resolvePlan, type LoadFlags } from '../../src/load/plan.js'
import { redact, resetSecrets } from '../../src/redact.js'
import type { LoadResult, LoadStep } from '../../src/report.js'

const dir = mkdtempSync(join(tmpdir(), 'agentctl-load-inputs-'))
afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
  resetSecrets()
})
const config = (overrides: Record<string, unknown> = {}) => loadConfig({ cwd: dir, env: {}, overrides }).config

/** The exit-2 error `fn` throws. */
function usageError(fn: () => unknown): AgentctlError {
  try {
    fn()
  } catch (error) {
    expect(error).toBeInstanceOf(AgentctlError)
    expect((error as AgentctlError).exitCode).toBe(2)
    return error as AgentctlError
  }
  throw new Error('expected an exit-2 error')
}
const fullText = (e: AgentctlError) => `${e.message}\n${e.hint ?? ''}`

const latency = (p95: number) => ({ p50: p95 / 2, p90: p95, p95, p99: p95 * 1.2, max: p95 * 2 })
const step = (offeredRps: number, p95: number, errors = 0, dropped = 0): LoadStep => ({ offeredRps, achievedRps: offeredRps, requests: offeredRps * 10, errors, dropped, latencyMs: latency(p95) })
const capacityRun = (steps: LoadStep[], maxSustainableRps: number): LoadResult => {
  const headline = steps.find((s) => s.offeredRps === maxSustainableRps) ?? steps[0]!
  return { mode: 'capacity', offeredRps: headline.offeredRps, achievedRps: headline.achievedRps, requests: 0, errors: 0, latencyMs: headline.latencyMs, steps, capacity: { maxSustainableRps, kneeRps: maxSustainableRps } }
}
const openRun = (p95: number, requests: number, dropped: number, achievedRps: number): LoadResult => ({ mode: 'open', offeredRps: 20, achievedRps, requests, errors: 0, dropped, latencyMs: latency(p95), steps: [] })

describe('--baseline compares like with like', () => {
  it('capacity: a build that sustains more is not a p95 regression; one that sustains less is', () => {
    // The old build held 10 rps (p95 400 ms there); the new one holds 14 rps, where p95 is 900 ms.
    const old = capacityRun([step(2, 200), step(6, 300), step(10, 400), step(14, 5000, 30)], 10)
    const better = capacityRun([step(2, 200), step(6, 300), step(10, 400), step(14, 900), step(18, 6000, 40)], 14)
    expect(compareToBaseline(better, old, 0.1)).toEqual([])
    const worse = capacityRun([step(2, 200), step(6, 300, 5), step(10, 5000, 60)], 6)
    expect(compareToBaseline(worse, old, 0.1).map((r) => r.metric)).toEqual(['max sustainable rps', 'error rate (steps both runs offered)'])
  })

  it('capacity: a lower bound ("at least X") on either side decides only what it can, and says why otherwise', () => {
    const steps = [step(2, 200), step(6, 300), step(10, 400)]
    const run = (rps: number, outcome: 'resolved' | 'at-least'): LoadResult => {
      const r = capacityRun(steps, 10)
      return { ...r, capacity: { maxSustainableRps: rps, outcome } }
    }
    const verdict = (now: LoadResult, base: LoadResult) => [compareToBaseline(now, base, 0.1).map((r) => r.metric), undecidedCapacity(now, base, 0.1)]
    // Both lower bounds: the new-user trial's "at least 231" vs "at least 235" passed as equal.
    expect(verdict(run(231, 'at-least'), run(235, 'at-least'))).toEqual([[], expect.stringMatching(/^the baseline's \(at least 235 rps\) and this run's \(at least 231 rps\) maximum sustainable rate are lower bounds, so a regression beyond 10% can be neither shown nor ruled out$/)])
    // At least as much as the measured baseline's floor: decided, no regression.
    expect(verdict(run(95, 'at-least'), run(100, 'resolved'))).toEqual([[], undefined])
    // Below it: the true capacity may be higher, open.
    expect(verdict(run(50, 'at-least'), run(100, 'resolved'))[1]).toMatch(/^this run's \(at least 50 rps\)/)
    // A measured rate below the baseline's lower bound is a regression whatever the baseline really was.
    expect(verdict(run(50, 'resolved'), run(100, 'at-least'))).toEqual([['max sustainable rps'], undefined])
    expect(verdict(run(120, 'resolved'), run(100, 'at-least'))[1]).toMatch(/^the baseline's \(at least 100 rps\)/)
    // The finding warns, never passes, on an open comparison.
    const load = run(231, 'at-least')
    const finding = loadFindings({ load, slo: [], statuses: {}, costRequested: false, durationMs: 0, regressions: { file: 'b.json', tolerance: 0.1, list: [], undecided: undecidedCapacity(load, run(235, 'at-least'), 0.1) } }).find((f) => f.checkId === 'load-baseline')!
    expect(finding.status).toBe('warn')
    expect(finding.message).toMatch(/^inconclusive: the baseline's/)
  })

  it("open: dropped sends are the generator's, not the agent's errors; achieved/offered is compared", () => {
    const old = openRun(100, 400, 0, 20)
    const halfDropped = openRun(100, 200, 200, 10)
    const metrics = compareToBaseline(halfDropped, old, 0.1).map((r) => r.metric)
    expect(metrics).toEqual(['achieved/offered'])
  })

  it('refuses a baseline of another model, or of another --rate, before any traffic', () => {
    const capacityFile = join(dir, 'capacity.json')
    writeFileSync(capacityFile, JSON.stringify({ load: capacityRun([step(2, 200)], 2) }))
    const openFile = join(dir, 'open.json')
    writeFileSync(openFile, JSON.stringify({ load: openRun(100, 400, 0, 20) }))
    expect(usageError(() => readBaseline(capacityFile, { mode: 'open', rate: 20 })).message).toMatch(/is a capacity search .*this is an open-model run/)
    expect(usageError(() => readBaseline(openFile, { mode: 'open', rate: 50 })).message).toMatch(/offered 20 rps, this run offers --rate 50/)
    expect(readBaseline(openFile, { mode: 'open', rate: 20 }).mode).toBe('open')
    expect(() => compareToBaseline(openRun(100, 400, 0, 20), capacityRun([step(2, 200)], 2), 0.1)).toThrow(/cannot compare/)
  })

  it('refuses a closed-model baseline at another concurrency, and a baseline that measured nothing', () => {
    const closedFile = join(dir, 'closed.json')
    writeFileSync(closedFile, JSON.stringify({ load: { ...openRun(100, 400, 0, 20), mode: 'closed', connections: 2 } }))
    expect(usageError(() => readBaseline(closedFile, { mode: 'closed', connections: 8 })).message).toMatch(/ran 2 connections, this run 8/)
    expect(readBaseline(closedFile, { mode: 'closed', connections: 2 }).mode).toBe('closed')
    const emptyFile = join(dir, 'empty.json')
    writeFileSync(emptyFile, JSON.stringify({ load: { ...openRun(0, 0, 0, 0), mode: 'closed', connections: 2 } }))
    expect(usageError(() => readBaseline(emptyFile, { mode: 'closed', connections: 2 })).message).toMatch(/measured nothing/)
  })
})

describe('capacity SLO findings', () => {
  it('say which step they judged: the highest that held, or the first when none did', () => {
    const slo = evaluateSlos(parseSlos(['error_rate<1%']), { latencyMs: latency(100), errorRate: 0.5, achievedRps: 40, successes: 200 })
    const none = loadFindings({ load: { ...capacityRun([step(40, 100, 200)], 0), offeredRps: 40, requests: 400 }, slo, statuses: {}, costRequested: false, durationMs: 10_000, capacity: { maxSustainableRps: 0, kneeRps: 0, kneeFound: false, stopReason: 'x' } })
    expect(none.find((f) => f.checkId === 'load-slo-error-rate')!.message).toMatch(/at 40 rps, the first step \(none held\)/)
    const held = loadFindings({ load: { ...capacityRun([step(20, 100), step(40, 100, 200)], 20), offeredRps: 20, requests: 600 }, slo, statuses: {}, costRequested: false, durationMs: 10_000, capacity: { maxSustainableRps: 20, kneeRps: 20, kneeFound: true, stopReason: 'x' } })
    expect(held.find((f) => f.checkId === 'load-slo-error-rate')!.message).toMatch(/at 20 rps, the highest step that held/)
  })
})

describe('throughput finding', () => {
  it('blames failed responses, not queueing, when they explain the shortfall', () => {
    const load: LoadResult = { ...openRun(5, 200, 0, 10), errors: 100 } // half of the responses failed
    const throughput = loadFindings({ load, slo: [], statuses: { '500': 100, '200': 100 }, costRequested: false, durationMs: 10_000 }).find((f) => f.checkId === 'load-throughput')!
    expect(throughput.status).toBe('warn')
    expect(throughput.message).toMatch(/50% of responses failed/)
    expect(throughput.remediation).toMatch(/failed responses, not queueing/)
    const queueing = loadFindings({ load: openRun(5, 200, 0, 10), slo: [], statuses: { '200': 200 }, costRequested: false, durationMs: 10_000 }).find((f) => f.checkId === 'load-throughput')!
    expect(queueing.remediation).toMatch(/past its capacity/)
  })
})

describe('shares (--tolerance, --headroom) have one convention', () => {
  it('reads 10% and 0.1 alike, and refuses a bare 1 or more as ambiguous', () => {
    expect(parseTolerance('10%')).toBe(0.1)
    expect(parseTolerance('0.1')).toBe(0.1)
    expect(parsePercent('150%', '--headroom')).toBe(1.5)
    for (const text of ['1', '1.5', '30']) expect(fullText(usageError(() => parseTolerance(text)))).toMatch(/--tolerance .* is ambiguous[\s\S]*--tolerance 10%/)
    expect(usageError(() => resolvePlan({ headroom: '1', 'target-rps': 10 }, config())).message).toMatch(/--headroom 1 is ambiguous/)
  })
})

describe('rate, connections and duration are bounded before any traffic', () => {
  it.each<[LoadFlags, RegExp]>([
    [{ connections: 100_000 }, /--connections 100000 is above --max-connections \(1000\)/],
    [{ connections: 50, 'max-connections': 20 }, /--connections 50 is above --max-connections \(20\)/],
    [{ connections: 0 }, /--connections must be greater than 0/],
    [{ 'max-connections': -5 }, /--max-connections must be greater than 0/],
    [{ timeout: '0' }, /--timeout must be longer than 0/],
    [{ 'find-capacity': true, 'step-duration': '0s' }, /--step-duration must be longer than 0/],
    [{ 'find-capacity': true, 'max-rps': -1 }, /--max-rps must be greater than 0/],
    [{ duration: '9m', timeout: '30m' }, /the run would take 2.*s \(warm-up \+ measured window \+ up to one --timeout to drain\), above load.maxDuration/],
    [{ duration: '590s' }, /above load.maxDuration \(10m\)/],
    [{ 'find-capacity': true, 'step-duration': '5m', timeout: '6m' }, /one capacity step would take/],
  ])('%o exits 2', (flags, message) => {
    expect(usageError(() => resolvePlan(flags, config())).message).toMatch(message)
  })

  it('bounds --start-rps by load.maxRps and the closed model by --max-connections', () => {
    expect(usageError(() => resolvePlan({ 'find-capacity': true, 'start-rps': 50 }, config({ 'load.maxRps': 10 }))).message).toMatch(/--start-rps 50 is above load.maxRps \(10\)/)
    expect(resolvePlan({ 'max-connections': 4 }, config()).connections).toBe(4)
    expect(resolvePlan({ duration: '5m', timeout: '30s' }, config()).plannedMs).toBe(5 * 60_000 + 3000 + 30_000)
  })
})

describe('--mock-llm refuses what it would silently ignore', () => {
  it.each([
    ['latncy=800ms..2s', /unknown key "latncy" \(did you mean "latency"\?\)[\s\S]*valid keys: latency, scenario, seed/],
    ['latency=1s,seed=abc', /seed "abc" is not a whole number/],
    ['scenario=nosuch', /unknown scenario "nosuch"[\s\S]*valid scenarios: healthy, slow, hang/],
    ['scenario=slow,latncyMs=5', /unknown key "latncyMs" \(did you mean "latencyMs"\?\)[\s\S]*latencyMs, p50Ms.* for scenario slow/],
    ['latencyMs=1000', /unknown key "latencyMs"[\s\S]*need scenario=NAME/],
  ])('%s exits 2', (text, message) => {
    const error = usageError(() => parseMockLlm(text))
    expect(fullText(error)).toMatch(message)
    expect(fullText(error)).not.toMatch(/port/)
  })

  it('keeps the valid forms', () => {
    expect(parseMockLlm('scenario=error-storm,status=503,seed=7,latency=1s')).toEqual({ scenario: 'error-storm', scenarioParams: { status: 503 }, seed: 7, latency: [1000, 1000] })
  })
})

describe('config and header errors', () => {
  it('an invalid load.slo names the file and the entry', () => {
    const file = join(dir, 'slo.yaml')
    writeFileSync(file, "load:\n  slo: ['p95<5s', 'p95 < fast']\n")
    const error = usageError(() => resolvePlan({}, loadConfig({ cwd: dir, env: {}, file }).config, 'slo.yaml'))
    expect(error.message).toMatch(/^slo\.yaml: load\.slo\[1\]: invalid SLO "p95 < fast"/)
    expect(error.hint).toMatch(/error_rate<0.01/)
    // --slo replaces load.slo, so a bad config entry does not matter then.
    expect(resolvePlan({ slo: ['p99<1s'] }, loadConfig({ cwd: dir, env: {}, file }).config).slos).toHaveLength(1)
  })

  it('never echoes a malformed --header, and masks credential headers', () => {
    const error = usageError(() => resolvePlan({ header: ['Accept: text/plain', 'X-Api-Key secretvalue123'] }, config()))
    expect(fullText(error)).not.toMatch(/secretvalue123/)
    expect(error.message).toMatch(/--header \(number 2 of 2\)/)
    resolvePlan({ header: ['X-Api-Key: anothersecret99'] }, config())
    expect(redact('sent anothersecret99')).toBe('sent ***')
  })
})

describe('a run interrupted before any request is not a pass', () => {
  it('skips the SLO and throughput findings and the capacity verdict', () => {
    const load: LoadResult = { mode: 'capacity', offeredRps: 0, achievedRps: 0, requests: 0, errors: 0, dropped: 0, latencyMs: latency(0), steps: [], capacity: { maxSustainableRps: 0, kneeRps: 0 } }
    const findings = loadFindings({
      load,
      slo: [{ expression: 'p95<5000', metric: 'p95', op: '<', threshold: 5000, observed: 0, passed: true }],
      costRequested: false,
      capacity: { maxSustainableRps: 0, kneeRps: 0, kneeFound: false, stopReason: 'interrupted' },
      statuses: {},
      abortReason: 'interrupted (SIGINT) during the capacity search',
      durationMs: 10,
    })
    expect(Object.fromEntries(findings.map((f) => [f.checkId, f.status]))).toEqual({ 'load-slo-p95': 'skip', 'load-capacity': 'skip', 'load-run': 'warn' })
  })
})
