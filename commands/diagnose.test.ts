/**
 * `agentctl diagnose` end to end through the built CLI (run `npx tsc -p .` first; npm test does it).
 * Connectivity only (--only connectivity): the other categories are tested by their owners.
 */
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { packageRoot } from '../src/paths.js'
import { closedPort, type FaultServer, startHangingServer } from '../test/support/fault-servers.js'
import { TEST_DATABASE_URL, TEST_NATS_URL, TEST_REDIS_URL } from '../test/support/services.js'

const bin = join(packageRoot(), 'bin', 'run.js')
const work = mkdtempSync(join(tmpdir(), 'agentctl-diagnose-'))
const LLM_KEY = 'sk-diagnose-secret-0123456789'
let hanging: FaultServer
let refused: number

function writeConfig(name: string, deps: Record<string, unknown>, targetPort: number): string {
  const file = join(work, name)
  writeFileSync(file, JSON.stringify({ target: { url: `http://127.0.0.1:${targetPort}` }, dependencies: deps }))
  return file
}

function agentctl(args: string[]) {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', LLM_API_KEY: LLM_KEY }
  delete env.GITHUB_STEP_SUMMARY
  const started = performance.now()
  const run = spawnSync(process.execPath, [bin, ...args], { cwd: work, env, encoding: 'utf8', timeout: 30_000 })
  return { code: run.status, stdout: run.stdout, stderr: run.stderr, wallMs: performance.now() - started }
}

beforeAll(async () => {
  if (!existsSync(join(packageRoot(), 'dist', 'commands', 'diagnose.js'))) throw new Error('dist/ is missing: run `npx tsc -p .` (npm test does it in pretest)')
  hanging = await startHangingServer()
  refused = await closedPort()
})
afterAll(async () => {
  await hanging?.close()
  rmSync(work, { recursive: true, force: true })
})

describe('agentctl diagnose', () => {
  it('--json: real services pass, a refused agent fails, exit 1, no secret printed', () => {
    const config = writeConfig('mixed.yaml', { redis: `${TEST_REDIS_URL}/9`, postgres: TEST_DATABASE_URL, nats: TEST_NATS_URL, llm: { baseUrl: `http://127.0.0.1:${refused}/v1`, apiKey: '${LLM_API_KEY}' } }, refused)
    const { code, stdout, stderr } = agentctl(['diagnose', '-c', config, '--only', 'connectivity', '--timeout', '2s', '--json'])
    expect(code, stderr).toBe(1)
    const report = JSON.parse(stdout)
    const byId = Object.fromEntries(report.findings.map((f: { checkId: string; status: string }) => [f.checkId, f.status]))
    expect(byId).toMatchObject({ redis: 'pass', postgres: 'pass', nats: 'pass', 'agent-health': 'fail', 'agent-ready': 'fail', 'llm-endpoint': 'fail', prometheus: 'skip', 'tls-certificates': 'skip' })
    expect(new Set(report.findings.map((f: { category: string }) => f.category))).toEqual(new Set(['connectivity']))
    expect(stdout + stderr).not.toContain(LLM_KEY)
    expect(stderr).not.toMatch(/\n\s+at /) // no stack trace
  })

  it('a blackholed dependency costs one --timeout, and the CLI exits promptly (no dangling sockets)', () => {
    const url = (scheme: string) => `${scheme}://127.0.0.1:${hanging.port}`
    const config = writeConfig('hang.yaml', { redis: url('redis'), postgres: `${url('postgres')}/db`, nats: url('nats'), prometheus: url('http'), llm: { baseUrl: url('http') } }, hanging.port)
    // The same CLI start-up without any check: what a loaded machine adds is in both.
    const startupMs = agentctl(['diagnose', '--only', 'nosuchcheck']).wallMs
    const { code, stdout, stderr, wallMs } = agentctl(['diagnose', '-c', config, '--only', 'connectivity', '--timeout', '1s', '--json'])
    expect(code, stderr).toBe(1)
    const report = JSON.parse(stdout)
    expect(report.durationMs).toBeLessThan(1300)
    for (const f of report.findings.filter((x: { status: string }) => x.status !== 'skip')) expect(f.message).toMatch(/never answered|no answer/)
    // Start-up, one timeout and the report: a leaked socket would keep the process alive here
    // (until the 30 s spawn timeout). Measured against this machine's own start-up, not a fixed
    // bound: two suites sharing 2 cores took 10.2 s in all.
    expect(wallMs - startupMs, `wall ${Math.round(wallMs)} ms, start-up ${Math.round(startupMs)} ms`).toBeLessThan(6000)
  })

  it('--only with an unknown name is a usage error (exit 2) that lists the choices', () => {
    const { code, stderr } = agentctl(['diagnose', '--only', 'nosuchcheck'])
    expect(code).toBe(2)
    expect(stderr).toMatch(/no diagnose check matches --only nosuchcheck/)
    expect(stderr).toMatch(/categories: connectivity, performance/)
  })

  it('writes the Markdown incident summary with -o', () => {
    const config = writeConfig('md.yaml', { redis: `${TEST_REDIS_URL}/9` }, refused)
    const out = join(work, 'incident.md')
    const { code, stderr } = agentctl(['diagnose', '-c', config, '--only', 'redis', '-o', out])
    expect(code, stderr).toBe(0)
    expect(readFileSync(out, 'utf8')).toMatch(/redis/i)
  })

  it('--watch reruns, prints the changes, and Ctrl-C exits with the last run’s exit code', async () => {
    const config = writeConfig('watch.yaml', { redis: `${TEST_REDIS_URL}/9` }, refused)
    const child = spawn(process.execPath, [bin, 'diagnose', '-c', config, '--only', 'redis,agent-health', '--timeout', '1s', '--watch', '1s'], { cwd: work, env: { ...process.env, NO_COLOR: '1' } })
    const exited = new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)))
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    // Wait for the second run's diff line, then press Ctrl-C.
    const deadline = Date.now() + 40_000
    while (!/no status changes|\d+ changes?:/.test(stdout) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))
    child.kill('SIGINT')
    const code = await exited
    expect(stdout).toMatch(/no status changes/)
    expect(stderr).toMatch(/stopped; last verdict fail \(exit 1\)/)
    expect(code).toBe(1)
  })
})
