/**
 * Ctrl-C during `agentctl validate` (built CLI, a fixture agent wired to a shared mock LLM): the
 * run exits 130 with no verdict, and the mock it drove into a fault is back to `healthy`, so the
 * next chat to the agent is not answered by a leftover `hang` or `error-storm`
 * (docs/CONTRACTS.md "Exit codes").
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { MockLlmControl } from '../../harness/mock-llm/control-client.js'
import { FIXTURE_API_KEY, spawnFixtureAgent, startMock } from './support.js'

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'run.js')
const cwd = mkdtempSync(join(tmpdir(), 'agentctl-validate-interrupt-'))
afterAll(() => rmSync(cwd, { recursive: true, force: true }))

describe('agentctl validate, interrupted', () => {
  it('the first Ctrl-C in a fault resets the shared mock to healthy and exits 130', async () => {
    const mock = await startMock()
    const agent = await spawnFixtureAgent('well-behaved', mock)
    const control = new MockLlmControl(mock.baseUrl)
    try {
      const child = spawn(process.execPath, [BIN, 'validate', '--target', agent.url, '--only', 'resilience', '--json'], {
        cwd,
        env: { ...process.env, CI: 'true', AGENTCTL_MOCK_LLM_PORT: String(mock.port), AGENTCTL_TARGET_API_KEY: FIXTURE_API_KEY },
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let stderr = ''
      let stdout = ''
      child.stderr!.on('data', (c: Buffer) => (stderr += c))
      child.stdout!.on('data', (c: Buffer) => (stdout += c))
      const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
      // Wait until a resilience check has put the mock into a fault, then press Ctrl-C.
      let fault = 'healthy'
      const deadline = Date.now() + 60_000
      while (fault === 'healthy' && Date.now() < deadline && child.exitCode === null) {
        await new Promise((r) => setTimeout(r, 50))
        fault = (await control.stats()).scenario.name
      }
      expect(fault, stderr).not.toBe('healthy')
      child.kill('SIGINT')
      expect(await exit, stderr).toBe(130)
      // --json: the error is a JSON document on stdout carrying the exit code.
      expect(JSON.parse(stdout)).toMatchObject({ error: { message: expect.stringMatching(/interrupted/), exitCode: 130 } })
      expect((await control.stats()).scenario.name).toBe('healthy')
    } finally {
      await agent.stop()
      await mock.close()
    }
  }, 120_000)
})
