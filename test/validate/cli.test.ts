/**
 * `agentctl validate` end to end through the built CLI (npm test builds dist/ first):
 * --self passes the reference agent; --target gates a broken agent with exit 1 and writes JUnit;
 * usage errors exit 2.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { Report } from '../../src/report.js'
import { FIXTURE_API_KEY, spawnFixtureAgent, startMock } from './support.js'

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'run.js')
// An empty working directory: no agentctl.yaml of the repository leaks into these runs.
const cwd = mkdtempSync(join(tmpdir(), 'agentctl-validate-cli-'))
afterAll(() => rmSync(cwd, { recursive: true, force: true }))

function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, CI: 'true', ...env } })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => (stdout += c))
    child.stderr.on('data', (c: Buffer) => (stderr += c))
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

describe('agentctl validate (CLI)', () => {
  it('--self passes the reference agent on every resilience and security check', async () => {
    const junit = join(cwd, 'self.xml')
    const run = await cli(['validate', '--self', '--json', '-o', junit])
    expect(run.code, run.stderr).toBe(0)
    const report = JSON.parse(run.stdout) as Report
    const byId = Object.fromEntries(report.findings.map((f) => [f.checkId, f]))
    const summary = report.findings.map((f) => `${f.checkId}: ${f.status}: ${f.message}`).join('\n')
    for (const id of ['input-validation', 'liveness-isolation', 'retry-after', 'no-retry-permanent-errors', 'llm-timeout', 'model-fallback', 'circuit-breaker', 'bad-llm-output', 'rate-limiting', 'auth-required', 'error-hygiene']) {
      expect(byId[id]?.status, summary).toBe('pass')
    }
    expect(report.verdict, summary).toBe('pass')
    expect(readFileSync(junit, 'utf8')).toContain('circuit-breaker')
    expect(run.stdout).not.toMatch(/agentctl-self-[0-9a-f-]{36}/) // the generated API key is redacted
  }, 180_000)

  it('--target gates an agent without a circuit breaker: exit 1, with the call counts', async () => {
    const mock = await startMock()
    const agent = await spawnFixtureAgent('no-breaker', mock)
    try {
      const run = await cli(['validate', '--target', agent.url, '--only', 'circuit-breaker', '--json', '--max-recovery', '10s'], { AGENTCTL_MOCK_LLM_PORT: String(mock.port), AGENTCTL_TARGET_API_KEY: FIXTURE_API_KEY })
      expect(run.code, run.stderr).toBe(1)
      const finding = (JSON.parse(run.stdout) as Report).findings[0]!
      expect(finding.checkId).toBe('circuit-breaker')
      expect(finding.status).toBe('fail')
      expect(finding.evidence.llmCallsPerRequest).toHaveLength(30)
    } finally {
      await agent.stop()
      await mock.close()
    }
  }, 120_000)

  it('resilience without a reachable mock is an error with wiring instructions, not a pass', async () => {
    const mock = await startMock()
    const agent = await spawnFixtureAgent('well-behaved', mock)
    try {
      const run = await cli(['validate', '--target', agent.url, '--only', 'llm-timeout', '--json'], { AGENTCTL_MOCK_LLM_PORT: '9', AGENTCTL_TARGET_API_KEY: FIXTURE_API_KEY })
      expect(run.code).toBe(1)
      const finding = (JSON.parse(run.stdout) as Report).findings[0]!
      expect(finding.status).toBe('error')
      expect(finding.remediation).toMatch(/agentctl mock-llm --port 9.*LLM_BASE_URL=http:\/\/127.0.0.1:9\/v1/)
    } finally {
      await agent.stop()
      await mock.close()
    }
  })

  it('usage errors exit 2', async () => {
    expect((await cli(['validate', '--min-pass-rate', '2'])).code).toBe(2)
    expect((await cli(['validate', '--only', 'no-such-check'])).code).toBe(2)
    expect((await cli(['validate', '--self', '--target', 'http://127.0.0.1:1'])).code).toBe(2)
    const noAgent = await cli(['validate', '--target', 'http://127.0.0.1:9', '--only', 'resilience'])
    expect(noAgent.code).toBe(2)
    expect(noAgent.stderr).toMatch(/no agent answers at http:\/\/127.0.0.1:9/)
  })
})
