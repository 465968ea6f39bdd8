/**
 * The closed model accounts for the requests of its window even when they end after it: a hung
 * agent gives timeouts and a slow one gives its latency, never an empty window that passes. Both
 * of its engines keep these semantics (harness/load/closed-model.ts): autocannon for plain HTTP,
 * virtual users on undici when a target protocol reads the answers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type DriverOptions, runLoad, type RunResult } from '../../harness/load/driver.js'
import { Workload } from '../../harness/load/workload.js'
import { errorRateOf, evaluateSlos, parseSlos } from '../../src/load/slo.js'
import { agentctlProtocol } from '../../src/protocols/agentctl.js'
import { startDelayServer, type TestServer } from './servers.js'

/** An answer both engines count as a success: status 200, and an agentctl `response`. */
const ANSWER = '{"response":"ok"}'

/** What runLoad gets for each engine: the workload, and the protocol that selects virtual users. */
type Engine = (origin: string) => Pick<DriverOptions, 'workload' | 'protocol'>
const plain: Engine = () => ({ workload: new Workload({ method: 'GET', path: '/', headers: {} }) })
const chat: Engine = (origin) => {
  const protocol = agentctlProtocol({ url: origin, chatPath: '/chat' })
  return { protocol, workload: new Workload({ method: 'POST', path: '/chat', headers: {}, prompts: ['hi'], protocol }) }
}

/** The verdict executeLoad reaches for a single run, on the default thresholds. */
const verdict = (run: RunResult) =>
  evaluateSlos(parseSlos(['p95<5000', 'error_rate<0.01']), { latencyMs: run.latencyMs, errorRate: errorRateOf(run), achievedRps: run.achievedRps, successes: run.requests - run.errors })

async function timed(run: Promise<RunResult>): Promise<RunResult & { tookMs: number }> {
  const started = Date.now()
  const result = await run
  return { ...result, tookMs: Date.now() - started }
}

describe.each([
  ['autocannon (plain HTTP)', plain],
  ['virtual users (a target protocol)', chat],
])('closed model on %s: requests in flight at the window end', (_name, engine) => {
  let hung: TestServer
  let slow: TestServer
  beforeAll(async () => {
    // Answers after 10 minutes: never, for these runs.
    hung = await startDelayServer(600_000, Number.POSITIVE_INFINITY, ANSWER)
    slow = await startDelayServer(3000, Number.POSITIVE_INFINITY, ANSWER)
  })
  afterAll(async () => {
    await hung.close()
    await slow.close()
  })

  it('a hung agent with a timeout shorter than the window: every request times out, the SLO fails', async () => {
    const run = await timed(runLoad({ origin: hung.url, ...engine(hung.url), mode: 'closed', connections: 4, durationMs: 2500, timeoutMs: 1000 }))
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
    const run = await timed(runLoad({ origin: hung.url, ...engine(hung.url), mode: 'closed', connections: 4, durationMs: 1000, warmupMs: 500, timeoutMs: 2000 }))
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
    const run = await timed(runLoad({ origin: slow.url, ...engine(slow.url), mode: 'closed', connections: 4, durationMs: 1000, timeoutMs: 10_000 }))
    expect(run.requests).toBe(4)
    expect(run.errors).toBe(0)
    expect(run.latencyMs.p50).toBeGreaterThanOrEqual(3000)
    expect(verdict(run).map((r) => r.passed)).toEqual([true, true])
    // Not warm-up + duration + timeout (11 s): the drain stops once the 4 answers are in.
    expect(run.tookMs).toBeLessThan(4500)
  })

  it('a fast agent: the run ends about when the window does', async () => {
    const fast = await startDelayServer(20, Number.POSITIVE_INFINITY, ANSWER)
    try {
      const run = await timed(runLoad({ origin: fast.url, ...engine(fast.url), mode: 'closed', connections: 10, durationMs: 1000, warmupMs: 300, timeoutMs: 30_000 }))
      expect(run.errors).toBe(0)
      // 10 users x 1 s / 20 ms is 500 on an idle machine; two suites sharing 2 cores measured 49.
      // What matters here is that the window measured its users' requests and ended on time.
      expect(run.requests).toBeGreaterThan(10)
      expect(run.tookMs).toBeLessThan(1800)
    } finally {
      await fast.close()
    }
  })

  it('Ctrl-C: the run stops at once and says so; the requests it cancelled are not errors of the agent', async () => {
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 700)
    const run = await timed(runLoad({ origin: hung.url, ...engine(hung.url), mode: 'closed', connections: 4, durationMs: 10_000, timeoutMs: 30_000, signal: controller.signal }))
    expect(run.aborted).toBe(true)
    expect(run.tookMs).toBeLessThan(2000)
    expect(run.requests).toBe(0)
    expect(run.errors).toBe(0)
  })
})
