/**
 * The closed model accounts for the requests of its window even when they end after it: a hung
 * agent gives timeouts and a slow one gives its latency, never an empty window that passes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runLoad, type RunResult } from '../../harness/load/driver.js'
import { Workload } from '../../harness/load/workload.js'
import { errorRateOf, evaluateSlos, parseSlos } from '../../src/load/slo.js'
import { startDelayServer, type TestServer } from './servers.js'

const get = () => new Workload({ method: 'GET', path: '/', headers: {} })

/** The verdict executeLoad reaches for a single run, on the default thresholds. */
const verdict = (run: RunResult) =>
  evaluateSlos(parseSlos(['p95<5000', 'error_rate<0.01']), { latencyMs: run.latencyMs, errorRate: errorRateOf(run), achievedRps: run.achievedRps, successes: run.requests - run.errors })

async function timed(run: Promise<RunResult>): Promise<RunResult & { tookMs: number }> {
  const started = Date.now()
  const result = await run
  return { ...result, tookMs: Date.now() - started }
}

describe('closed model: requests in flight at the window end', () => {
  let hung: TestServer
  let slow: TestServer
  beforeAll(async () => {
    // Answers after 10 minutes: never, for these runs.
    hung = await startDelayServer(600_000)
    slow = await startDelayServer(3000)
  })
  afterAll(async () => {
    await hung.close()
    await slow.close()
  })

  it('a hung agent with a timeout shorter than the window: every request times out, the SLO fails', async () => {
    const run = await timed(runLoad({ origin: hung.url, workload: get(), mode: 'closed', connections: 4, durationMs: 2500, timeoutMs: 1000 }))
    // Each user sends at about 0, 1 and 2 s (in the window); the last round times out at 3 s, after
    // it, and still counts (it was sent in the window).
    expect(run.requests).toBe(12)
    expect(run.errors).toBe(run.requests)
    expect(run.statuses).toEqual({ timeout: run.requests })
    expect(errorRateOf(run)).toBe(1)
    expect(run.achievedRps).toBe(0)
    expect(verdict(run).map((r) => r.passed)).toEqual([false, false])
    // The drain ends with the timeouts of the last in-window requests: about 3 s, not 2.5 + 1 + 1.
    expect(run.tookMs).toBeLessThan(4200)
  })

  it('a hung agent with a timeout longer than the window, after a warm-up: the stalled requests count', async () => {
    // Every virtual user sends at t=0 (warm-up) and stays stuck through the window: those requests
    // are the window's only evidence.
    const run = await timed(runLoad({ origin: hung.url, workload: get(), mode: 'closed', connections: 4, durationMs: 1000, warmupMs: 500, timeoutMs: 2000 }))
    expect(run.requests).toBe(4)
    expect(run.statuses).toEqual({ timeout: 4 })
    expect(errorRateOf(run)).toBe(1)
    const [p95, errorRate] = verdict(run)
    expect(p95!.passed).toBe(false)
    expect(p95!.note).toBe('no successful responses')
    expect(errorRate!.passed).toBe(false)
    expect(run.tookMs).toBeGreaterThanOrEqual(1900)
    expect(run.tookMs).toBeLessThan(3500)
  })

  it('a slow agent: requests answered after the window are measured, and the run ends when they are', async () => {
    const run = await timed(runLoad({ origin: slow.url, workload: get(), mode: 'closed', connections: 4, durationMs: 1000, timeoutMs: 10_000 }))
    expect(run.requests).toBe(4)
    expect(run.errors).toBe(0)
    expect(run.latencyMs.p50).toBeGreaterThanOrEqual(3000)
    expect(verdict(run).map((r) => r.passed)).toEqual([true, true])
    // Not warm-up + duration + timeout (11 s): the drain stops once the 4 answers are in.
    expect(run.tookMs).toBeLessThan(4500)
  })

  it('a fast agent: the run ends about when the window does', async () => {
    const fast = await startDelayServer(20)
    try {
      const run = await timed(runLoad({ origin: fast.url, workload: get(), mode: 'closed', connections: 10, durationMs: 1000, warmupMs: 300, timeoutMs: 30_000 }))
      expect(run.errors).toBe(0)
      expect(run.requests).toBeGreaterThan(200)
      expect(run.tookMs).toBeLessThan(1800)
    } finally {
      await fast.close()
    }
  })
})
