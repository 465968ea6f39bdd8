import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { findCapacity, findKnee, judgeStep, summarizeSearch } from '../../harness/load/capacity.js'
import type { RunResult } from '../../harness/load/driver.js'
import { Workload } from '../../harness/load/workload.js'
import { parseSlos } from '../../src/load/slo.js'
import { startDelayServer, type TestServer } from './servers.js'

describe('capacity search', () => {
  let server: TestServer
  beforeAll(async () => {
    // At most 10 requests in service, 100 ms each: capacity 100 req/s. Past it the queue grows
    // by (offered - 100) requests every second, so latency climbs step after step.
    server = await startDelayServer(100, 10)
  })
  afterAll(() => server.close())

  const search = () =>
    findCapacity({
      origin: server.url,
      workload: new Workload({ method: 'GET', path: '/', headers: {} }),
      startRps: 80,
      stepRps: 10,
      maxRps: 160,
      stepDurationMs: 1500,
      warmupMs: 500,
      timeoutMs: 10_000,
      // A loose latency SLO: the breach comes from the achieved-rate rule (throughput is capped
      // at 100 req/s), which CPU contention from parallel tests cannot fake.
      slos: parseSlos(['p95<1500', 'error_rate<0.01']),
      maxConnections: 500,
    })

  it('finds the knee and the maximum sustainable rate of a concurrency-limited server, reproducibly', async () => {
    const runs = [await search(), await search(), await search()]
    for (const result of runs) {
      expect(result.aborted).toBe(false)
      // The ramp stopped on a breach past the capacity, not on the --max-rps ceiling.
      const curve = result.steps.map((s) => `${s.offeredRps}->${s.achievedRps} p95 ${Math.round(s.latencyMs.p95)}`).join(', ')
      expect(result.stopReason, curve).toMatch(/^step 1[0-5]0 rps: /)
      expect(result.maxSustainableRps, curve).toBeGreaterThanOrEqual(90)
      // 110 rps is 10% past the capacity: achieved/offered (0.91) and the loose SLO let it hold
      // once, which made the answer path-dependent (110, 90, 100 in one run); the queue-growth
      // rule (latency rising from the step's first half to its second) breaks it.
      expect(result.maxSustainableRps, curve).toBeLessThanOrEqual(100)
      expect(result.kneeFound, curve).toBe(true)
      expect(result.kneeRps, curve).toBeGreaterThanOrEqual(80)
      expect(result.kneeRps, curve).toBeLessThanOrEqual(result.maxSustainableRps)
      // The latency-vs-load curve: every step measured, the last one breached.
      expect(result.steps.at(-1)!.sustained).toBe(false)
      expect(result.steps.slice(0, -1).every((s) => s.sustained)).toBe(true)
    }
    const rates = runs.map((r) => r.maxSustainableRps)
    expect(Math.max(...rates) / Math.min(...rates), rates.join(', ')).toBeLessThanOrEqual(1.15)
  })
})

describe('the knee', () => {
  const step = (offeredRps: number, p95: number, sustained: boolean) => ({ offeredRps, sustained, latencyMs: { p50: 0, p90: 0, p95, p99: 0, max: 0 } })

  it('comes from the steps that held: a breaking step of fast 429s is not placed as the knee', () => {
    // 30 rps broke the SLO with mostly fast 429s: its few successes have the lowest p95 of all.
    expect(findKnee([step(10, 100, true), step(20, 110, true), step(30, 50, false)])).toMatchObject({ kneeRps: 20, kneeFound: false })
    // A breaking step whose latency bent still shows the knee was found.
    expect(findKnee([step(10, 100, true), step(20, 110, true), step(30, 400, false)])).toMatchObject({ kneeRps: 20, kneeFound: true })
    expect(findKnee([step(10, 50, false)])).toMatchObject({ kneeRps: 0, kneeFound: false })
  })
})

describe("a step's verdict: queue growth", () => {
  const run = (halves: RunResult['halves'], achievedRps = 93): RunResult => ({
    mode: 'open', offeredRps: 100, achievedRps, requests: 200, errors: 0, dropped: 0,
    latencyMs: { p50: 60, p90: 80, p95: 90, p99: 95, max: 100 }, timeline: [], histogram: '', statuses: { '200': 200 },
    succeededAll: 200, halves, durationMs: 2000, aborted: false,
  })
  const slos = parseSlos(['p95<2s'])

  it('breaks a step whose latency rose from its first half to its second beyond the noise', () => {
    const step = judgeStep(run([{ requests: 100, p50Ms: 50 }, { requests: 100, p50Ms: 90 }]), slos, 16)
    expect(step.sustained).toBe(false)
    expect(step.breach).toMatch(/latency kept rising through the step \(median 50 ms .* 90 ms in its second\)/)
  })

  it('holds within the noise: under 25% or under 20 ms apart, or too few samples to tell', () => {
    expect(judgeStep(run([{ requests: 100, p50Ms: 50 }, { requests: 100, p50Ms: 62 }]), slos, 16).sustained).toBe(true)
    expect(judgeStep(run([{ requests: 100, p50Ms: 10 }, { requests: 100, p50Ms: 25 }]), slos, 16).sustained).toBe(true)
    expect(judgeStep(run([{ requests: 10, p50Ms: 50 }, { requests: 10, p50Ms: 500 }]), slos, 16).sustained).toBe(true)
    // Latency falling (a backlog from an earlier step draining) is no growth.
    expect(judgeStep(run([{ requests: 100, p50Ms: 300 }, { requests: 100, p50Ms: 60 }]), slos, 16).sustained).toBe(true)
  })

  it('holds when latency rose but the offered rate was still completed (a machine slowed down, no queue)', () => {
    expect(judgeStep(run([{ requests: 100, p50Ms: 50 }, { requests: 100, p50Ms: 90 }], 98), slos, 16).sustained).toBe(true)
  })
})

describe("a step's verdict: the generator's drops", () => {
  // 1474 rps offered for 5 s; the agent completed `achievedRps` of it; agentctl dropped `dropped` sends.
  const run = (achievedRps: number, dropped: number): RunResult => ({
    mode: 'open', offeredRps: 1474, achievedRps, requests: Math.round(achievedRps * 5), errors: 0, dropped,
    latencyMs: { p50: 800, p90: 1000, p95: 1100, p99: 1200, max: 1300 }, timeline: [], histogram: '', statuses: { '200': 1 },
    succeededAll: 1, durationMs: 5000, aborted: false,
  })
  const slos = parseSlos(['p95<1500ms'])
  const held = (offeredRps: number) => ({ ...judgeStep(run(offeredRps, 0), slos, 1000), offeredRps })

  it("a step the agent completed at 79% of its rate broke on the agent's account, whatever one drop says: the bracket is resolved", () => {
    const step = judgeStep(run(1172, 1), slos, 1000)
    expect(step.sustained).toBe(false)
    expect(step.generatorOnly).toBeUndefined()
    expect(step.breach).toBe('achieved 1172 rps is 80% of the offered 1474 (< 90%); agentctl also dropped 1 sends with all 1000 connections busy')
    const result = summarizeSearch([held(1378), held(1378), step], { stopReason: 'x', aborted: false, search: 'adaptive', ranOut: false })
    expect(result.outcome).toBe('resolved')
    expect(result.generatorLimited).toBeUndefined() // the advice must not blame the generator
  })

  it('a step that fell short only by the sends agentctl dropped is the generator\'s limit: the bracket is "at least"', () => {
    // 1200 answered per second plus 1000 dropped sends over 5 s (200/s) is the whole offered rate.
    const step = judgeStep(run(1274, 1000), slos, 1000)
    expect(step.generatorOnly).toBe(true)
    expect(step.breach).toBe("agentctl dropped 1000 sends with all 1000 connections busy (the load generator's limit, not the agent's)")
    const result = summarizeSearch([held(1378), held(1378), step], { stopReason: 'x', aborted: false, search: 'adaptive', ranOut: false })
    expect(result).toMatchObject({ outcome: 'at-least', generatorLimited: true })
  })
})
