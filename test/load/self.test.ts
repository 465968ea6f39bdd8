/**
 * `agentctl load --self` end to end through the built CLI: the reference agent on embedded
 * PostgreSQL (PGlite, first start runs initdb), wired to the mock LLM at a known latency, with a
 * throwaway API key that the request plan carries and no output shows.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { agentctl, assertBuilt } from './cli.js'

const work = mkdtempSync(join(tmpdir(), 'agentctl-load-self-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

describe('agentctl load --self', () => {
  it('measures the reference agent behind the mock LLM, authenticated, and releases its data directory', async () => {
    assertBuilt()
    const args = ['load', '--self', '--mock-llm', 'latency=100ms', '--connections', '2', '--duration', '3s', '--warmup', '1s', '--slo', 'error_rate<0.01', '--json']
    const { code, stdout, stderr } = await agentctl(args, { cwd: work, timeoutMs: 150_000 }).done
    expect(code, stderr.slice(-2000)).toBe(0)
    const report = JSON.parse(stdout)
    expect(report.load.errors).toBe(0) // a 401 (no key) or a 429 (rate limit) would count here
    expect(report.load.requests).toBeGreaterThan(0)
    // Every chat waits for the mock at least once: the figure describes the agent behind the mock.
    expect(report.load.latencyMs.p50).toBeGreaterThanOrEqual(100)
    expect(stdout + stderr).not.toMatch(/agentctl-self-[0-9a-f]{8}-/)
    expect(existsSync(join(work, '.agentctl', 'load-data'))).toBe(true)
    expect(existsSync(join(work, '.agentctl', 'load-data', '.agentctl-lock'))).toBe(false)
  }, 180_000)
})
