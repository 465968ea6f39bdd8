import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { findKnee, judgeStep } from '../../harness/load/capacity.js'
import { runLoad } from '../../harness/load/driver.js'
import { roundRate, type SearchOptions, searchCapacity } from '../../harness/load/search.js'
import { Workload } from '../../harness/load/workload.js'
import { loadFindings } from '../../src/load/findings.js'
import { parseSlos } from '../../src/load/slo.js'
import { agentctlProtocol } from '../../src/protocols/agentctl.js'
import type { LoadResult } from '../../src/report.js'
import { startDelayServer, type TestServer } from './servers.js'

// The adaptive search (harness/load/search.ts) against node:http servers of known capacity
// (concurrency / service time), judged as the user sees it: through the load-capacity finding.

const options = (url: string, over: Partial<SearchOptions>): SearchOptions => ({
  origin: url,
  workload: new Workload({ method: 'GET', path: '/', headers: {} }),
  maxRps: 2000,
  minWindowMs: 1000,
  minWarmupMs: 300,
  resolution: 0.1,
  budgetMs: 60_000,
  timeoutMs: 5000,
  // A loose latency SLO: the breach comes from the achieved-rate rule (throughput is capped by the
  // server's concurrency), which CPU contention from parallel tests cannot fake.
  slos: parseSlos(['p95<2s', 'error_rate<1%']),
  maxConnections: 500,
  ...over,
})

/** The load-capacity finding for a search result, as `agentctl load --find-capacity` builds it. */
function capacityFinding(result: Awaited<ReturnType<typeof searchCapacity>>) {
  const steps = result.steps.map(({ run: _r, slo: _s, sustained: _u, breach: _b, ...s }) => s)
  const load: LoadResult = { mode: 'capacity', offeredRps: 0, achievedRps: 0, requests: steps.reduce((a, s) => a + s.requests, 0), errors: 0, latencyMs: { p50: 0, p90: 0, p95: 0, p99: 0, max: 0 }, steps, capacity: { maxSustainableRps: result.maxSustainableRps } }
  return loadFindings({ load, slo: [], statuses: {}, costRequested: false, durationMs: 0, capacity: result }).find((f) => f.checkId === 'load-capacity')!
}

const curve = (r: Awaited<ReturnType<typeof searchCapacity>>) => r.steps.map((s) => `${s.offeredRps}:${s.sustained ? 'ok' : 'broke'}`).join(' ')

describe('adaptive capacity search', () => {
  let server: TestServer
  beforeAll(async () => {
    // 4 in service at once, 20 ms each: 200 req/s.
    server = await startDelayServer(20, 4)
  })
  afterAll(() => server.close())

  it('brackets the capacity (held below it, broke above it) within the resolution, confirmed, and passes', async () => {
    const began = Date.now()
    const result = await searchCapacity(options(server.url, {}))
    const elapsed = Date.now() - began
    expect(result.outcome, curve(result)).toBe('resolved')
    expect(result.maxSustainableRps, curve(result)).toBeGreaterThanOrEqual(130)
    // The achieved-rate rule alone admits a 10% shortfall (a 200 req/s server could "hold" ~222
    // rps); the queue-growth rule breaks a step whose latency climbs from its first half to its second.
    expect(result.maxSustainableRps, curve(result)).toBeLessThanOrEqual(205)
    expect(result.brokeAtRps! / result.maxSustainableRps - 1).toBeLessThanOrEqual(0.1 + 1e-9)
    // The first rate ran twice (the low-load noise) and the answer was confirmed by a second step.
    expect(result.steps[0]!.offeredRps).toBe(result.steps[1]!.offeredRps)
    expect(result.steps.filter((s) => s.offeredRps === result.maxSustainableRps).length).toBeGreaterThanOrEqual(2)
    expect(result.probe!.failed).toBe(0)
    // The closed-model bursts measured the throughput ceiling (200 req/s), and the first rate is half of it.
    const throughput = result.probe!.throughput!
    expect(throughput.rps, JSON.stringify(throughput)).toBeGreaterThan(120)
    expect(throughput.rps, JSON.stringify(throughput)).toBeLessThanOrEqual(215)
    expect(throughput.bursts[0]!.concurrency).toBe(4)
    expect(result.steps[0]!.offeredRps).toBe(roundRate(throughput.rps / 2))
    expect(elapsed).toBeLessThan(60_000)
    const finding = capacityFinding(result)
    expect(finding.status).toBe('pass')
    expect(finding.message).toMatch(/held \d+ rps, broke at \d+ rps/)
  }, 90_000)

  it('a step far past the capacity is cut short: requests cancelled, goodput measured, the breach says why', async () => {
    const began = Date.now()
    const run = await runLoad({ origin: server.url, workload: new Workload({ method: 'GET', path: '/', headers: {} }), mode: 'open', rate: 800, connections: 200, durationMs: 5000, warmupMs: 0, timeoutMs: 5000, cutAtInFlight: 150 })
    expect(run.overload, JSON.stringify(run.statuses)).toBeDefined()
    expect(run.overload!.inFlight).toBeGreaterThanOrEqual(150)
    // Not the 5 s window and its drain: the backlog of a 4x overload reaches 150 within a second.
    expect(Date.now() - began).toBeLessThan(2500)
    expect(run.durationMs).toBeLessThan(1500)
    // What the server completed per second until the cut: at most its capacity (200 req/s).
    expect(run.achievedRps).toBeLessThanOrEqual(210)
    const step = judgeStep(run, parseSlos(['p95<2s']), 200)
    expect(step.sustained).toBe(false)
    expect(step.breach).toMatch(/^cut short after [\d.]+ s with \d+ requests in flight or waiting: the agent fell far behind this rate/)
  })

  it('a first step above the capacity says so and does not pass', async () => {
    const result = await searchCapacity(options(server.url, { startRps: 600 }))
    expect(result.outcome, curve(result)).toBe('below-first')
    expect(result.maxSustainableRps).toBe(0)
    expect(result.steps).toHaveLength(1)
    const finding = capacityFinding(result)
    expect(finding.status).toBe('fail')
    expect(finding.message).toMatch(/^the first step \(600 rps\) already exceeded the agent's capacity .* below 600 rps/)
    expect(finding.remediation).toMatch(/--start-rps 150/)
  }, 60_000)

  it('out of time: says "at least" and warns, never a pass', async () => {
    // Room for the probe and the first step only: no step can break before the budget ends.
    const began = Date.now()
    const result = await searchCapacity(options(server.url, { startRps: 10, budgetMs: 5500 }))
    expect(Date.now() - began).toBeLessThanOrEqual(5500 + 500)
    expect(result.outcome, curve(result)).toBe('at-least')
    expect(result.stopReason).toMatch(/^out of time/)
    const finding = capacityFinding(result)
    expect(finding.status).toBe('warn')
    expect(finding.message).toMatch(/^at least 10 rps per replica inside the SLO, not a measured capacity: out of time/)
  }, 60_000)
})

describe("the generator's ceiling", () => {
  it('is Little\'s law on the mean latency: a slow 2% tail does not end the search at "the load generator\'s limit"', async () => {
    // Every 50th request takes 1.5 s, the rest 20 ms: p99 1.5 s, mean ~50 ms. 40 connections carry
    // 0.9 x 40 / 0.05 s = 720 rps; the p99 would have put the ceiling at 24 rps.
    const { createServer } = await import('node:http')
    let n = 0
    const server = createServer((req, res) => {
      req.resume()
      setTimeout(() => res.end('{"ok":true}'), ++n % 50 === 0 ? 1500 : 20)
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as { port: number }
    try {
      const result = await searchCapacity(options(`http://127.0.0.1:${port}`, { startRps: 20, maxRps: 160, maxConnections: 40 }))
      expect(result.steps[0]!.latencyMs.p99, curve(result)).toBeGreaterThanOrEqual(1400)
      expect(result.stopReason, curve(result)).toBe('reached --max-rps 160 with every step held')
      expect(result.maxSustainableRps).toBe(160)
    } finally {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    }
  }, 60_000)
})

describe('the probe judges answers like the steps do', () => {
  it('an agent answering every chat with a 200 carrying an in-band error fails the probe: no step runs', async () => {
    const agent = await startDelayServer(5, Number.POSITIVE_INFINITY, '{"error":"model overloaded"}')
    try {
      const protocol = agentctlProtocol({ url: agent.url, chatPath: '/chat' })
      const workload = new Workload({ method: 'POST', path: '/chat', headers: {}, prompts: ['hi'], protocol })
      const result = await searchCapacity(options(agent.url, { workload, protocol }))
      expect(result.outcome, curve(result)).toBe('below-first')
      expect(result.stopReason).toMatch(/^all \d+ probe requests failed before the first step$/)
      expect(result.steps).toHaveLength(0)
      expect(result.probe!.failed).toBe(result.probe!.requests)
      expect(capacityFinding(result).status).toBe('fail')
    } finally {
      await agent.close()
    }
  })
})

describe('the knee against the noise of repeated low-load steps', () => {
  const step = (offeredRps: number, p95: number, sustained = true) => ({ offeredRps, sustained, latencyMs: { p50: 0, p90: 0, p95, p99: 0, max: 0 } })

  it('latency inside the spread of the repeated low-load steps is no knee, however it compares with the lowest', () => {
    // Two 10 rps steps measured 100 and 140 ms: the noise band is 140 + 2 x 40 = 220 ms. 180 ms at
    // 40 rps is 1.8x the lowest p95 (the 1.5x rule would call it a knee) but inside the noise.
    const noisy = [step(10, 100), step(10, 140), step(20, 120), step(40, 180), step(80, 210, false)]
    expect(findKnee(noisy)).toMatchObject({ kneeRps: 40, kneeFound: false })
    expect(findKnee(noisy).rule).toMatch(/highest of 2 repeated 10 rps steps plus twice their spread/)
    // The same curve rising past the band at 80 rps has a knee at 40 rps.
    expect(findKnee([...noisy.slice(0, 4), step(80, 400, false)])).toMatchObject({ kneeRps: 40, kneeFound: true })
    // Quiet low-load repeats make a narrow band: +10% at least.
    expect(findKnee([step(10, 100), step(10, 100), step(20, 105), step(40, 130)])).toMatchObject({ kneeRps: 20, kneeFound: true })
  })
})
