/**
 * What a run reports when the target fails: achieved rate is goodput, latency thresholds need a
 * successful response, cost divides by successful responses, and every report shows the error
 * rate the SLO judged (drops included).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { findCapacity } from '../../harness/load/capacity.js'
import { runLoad } from '../../harness/load/driver.js'
import { buildWorkload, executeLoad } from '../../harness/load/execute.js'
import { Workload } from '../../harness/load/workload.js'
import { errorRate, loadSummaryRows } from '../../reports/format.js'
import { loadConfig } from '../../src/config/load.js'
import { resolvePlan } from '../../src/load/plan.js'
import { loadFindings } from '../../src/load/findings.js'
import { evaluateSlos, formatObserved, parseSlos } from '../../src/load/slo.js'
import type { LoadResult } from '../../src/report.js'

const get = () => new Workload({ method: 'GET', path: '/', headers: {} })
const work = mkdtempSync(join(tmpdir(), 'agentctl-measurement-'))
const servers: Server[] = []
afterAll(async () => {
  for (const s of servers) {
    s.closeAllConnections()
    await new Promise((resolve) => s.close(resolve))
  }
  rmSync(work, { recursive: true, force: true })
})

/**
 * Answers every other request with a fast `failStatus`; the successful ones spend 100 prompt and
 * 10 completion tokens, exposed on GET /metrics as the reference agent does.
 */
async function startFlakyServer(failStatus: number, failEvery = 2): Promise<string> {
  let n = 0
  let prompt = 0
  let completion = 0
  const server = createServer((req, res) => {
    req.resume()
    if (req.url === '/metrics') {
      res.setHeader('content-type', 'text/plain; version=0.0.4')
      res.end(`# TYPE agent_llm_tokens_total counter\nagent_llm_tokens_total{model="m1",kind="prompt"} ${prompt}\nagent_llm_tokens_total{model="m1",kind="completion"} ${completion}\n`)
      return
    }
    if (++n % failEvery === 0) {
      res.statusCode = failStatus
      res.end('{"error":"no"}')
      return
    }
    prompt += 100
    completion += 10
    res.end('{"ok":true}')
  })
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

describe('achieved rate is goodput', () => {
  it('an agent that answers everything with a fast 429 achieves 0 req/s, whatever it was offered', async () => {
    const url = await startFlakyServer(429, 1)
    const open = await runLoad({ origin: url, workload: get(), mode: 'open', rate: 40, connections: 10, durationMs: 1000 })
    expect(open.errors).toBe(40)
    expect(open.achievedRps).toBe(0)
    const closed = await runLoad({ origin: url, workload: get(), mode: 'closed', connections: 4, durationMs: 1000 })
    expect(closed.errors).toBe(closed.requests)
    expect(closed.offeredRps).toBeGreaterThan(100)
    expect(closed.achievedRps).toBe(0)
    expect(closed.timeline.every((p) => p.rps === 0)).toBe(true)
  })

  it('so the capacity rule "achieved < 90% of offered" trips even with no SLO threshold', async () => {
    const url = await startFlakyServer(429, 1)
    const result = await findCapacity({ origin: url, workload: get(), startRps: 20, stepRps: 20, maxRps: 60, stepDurationMs: 1000, timeoutMs: 5000, slos: [], maxConnections: 20 })
    expect(result.steps).toHaveLength(1)
    expect(result.steps[0]!.breach).toMatch(/^achieved 0 rps is 0% of the offered 20/)
    expect(result.maxSustainableRps).toBe(0)
  })
})

describe('latency thresholds need a successful response', () => {
  const empty = { p50: 0, p90: 0, p95: 0, p99: 0, max: 0, mean: 0 }

  it('fail over zero successes, whatever the operator, and say why', () => {
    const results = evaluateSlos(parseSlos(['p95<5000', 'p50>=0', 'avg<1s', 'error_rate<=1']), { latencyMs: empty, errorRate: 1, achievedRps: 0, successes: 0 })
    expect(results.map((r) => r.passed)).toEqual([false, false, false, true])
    expect(Number.isNaN(results[0]!.observed)).toBe(true)
    expect(formatObserved(results[0]!)).toBe('no successful responses')
    expect(results[0]!.note).toBe('no successful responses')
    expect(results[3]!.note).toBeUndefined()
  })

  it('the summary shows no latency rather than 0 ms', () => {
    const load: LoadResult = { mode: 'closed', offeredRps: 10, achievedRps: 0, requests: 10, errors: 10, latencyMs: empty, steps: [] }
    const rows = Object.fromEntries(loadSummaryRows(load))
    expect(rows['Latency p50 / p95 / p99']).toBe('– (no successful responses)')
    expect(rows['Latency max']).toBe('–')
    expect(Object.fromEntries(loadSummaryRows({ ...load, errors: 9, latencyMs: { ...empty, p50: 5, p95: 5, p99: 5, max: 5 } }))['Latency max']).toBe('5ms')
  })
})

describe('the error rate shown is the one judged', () => {
  it("keeps dropped sends out of the error rate, like error_rate: they are the generator's limit", () => {
    const load: LoadResult = { mode: 'open', offeredRps: 10, achievedRps: 9, requests: 90, errors: 9, dropped: 10, latencyMs: { p50: 1, p90: 1, p95: 1, p99: 1, max: 1 }, steps: [] }
    expect(errorRate(load)).toBe(0.1)
    const rows = Object.fromEntries(loadSummaryRows(load))
    expect(rows.Requests).toBe('90 (9 errors, 10.00% error rate)')
    expect(rows['Dropped by agentctl (no free connection)']).toBe('10')
  })
})

describe('who dropped the sends of a capacity search', () => {
  const load: LoadResult = {
    mode: 'capacity', offeredRps: 1365, achievedRps: 1360, requests: 90_000, errors: 0, dropped: 1185, latencyMs: { p50: 500, p90: 700, p95: 900, p99: 1200, max: 2000 },
    steps: [], capacity: { maxSustainableRps: 1365, outcome: 'resolved', brokeAtRps: 1456 },
  }
  const throughput = (generatorLimited: boolean | undefined) =>
    loadFindings({ load, slo: [], statuses: {}, costRequested: false, durationMs: 0, capacity: { maxSustainableRps: 1365, brokeAtRps: 1456, outcome: 'resolved', stopReason: 'x', ...(generatorLimited ? { generatorLimited } : {}) } }).find((f) => f.checkId === 'load-throughput')!

  it("drops only in steps the agent broke anyway are the agent's doing: no advice to raise --max-connections", () => {
    const finding = throughput(undefined)
    expect(finding.status).toBe('pass')
    expect(finding.message).toBe('every step was offered on schedule until the agent fell behind; the 1185 sends dropped in steps the agent had already broken are its doing: it fell behind and kept every connection busy')
    expect(finding.remediation ?? '').not.toMatch(/max-connections/)
  })

  it("drops that alone broke a step are the generator's limit, with the fix", () => {
    const finding = throughput(true)
    expect(finding.status).toBe('warn')
    expect(finding.message).toMatch(/^agentctl dropped 1185 sends .* the load generator's limit/)
    expect(finding.remediation).toMatch(/raise --max-connections/)
  })
})

describe('cost from /metrics deltas', () => {
  it('divides the tokens by the successful responses, warm-up included', async () => {
    const url = await startFlakyServer(500)
    const plan = resolvePlan({ rate: 20, duration: '1s', warmup: '500ms', timeout: '5s', method: 'GET', path: '/', slo: ['error_rate<1'] }, loadConfig({ cwd: work, env: {} }).config)
    const outcome = await executeLoad({
      plan,
      workload: buildWorkload(plan),
      origin: url,
      metricsUrl: `${url}/metrics`,
      trackCost: true,
      pricing: { m1: { inputPer1k: 1, outputPer1k: 2 } },
      signal: new AbortController().signal,
    })
    // Half the 30 requests failed (20 in the window, 10 in the warm-up); the 15 others spent 110 tokens each.
    expect(outcome.load.errors).toBe(10)
    expect(outcome.cost?.source).toBe('/metrics delta')
    expect(outcome.cost!.tokensPerRequest).toBe(110)
    expect(outcome.cost!.usdPerRequest).toBeCloseTo(0.1 + 0.02, 8)
  })
})
