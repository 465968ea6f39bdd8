import { writeFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { connectionsFor, findKnee, replicasNeeded } from '../../harness/load/capacity.js'
import { readPrompts, readSessions, Workload } from '../../harness/load/workload.js'
import { compareToBaseline, parseTolerance } from '../../src/load/baseline.js'
import { computeCost, tokensFromMetrics, UsageMeter } from '../../src/load/cost.js'
import { loadFindings } from '../../src/load/findings.js'
import { effectiveSlos, evaluateSlos, parseSlo } from '../../src/load/slo.js'
import { loadSummaryRows } from '../../reports/format.js'
import { isLoopbackAddress, assertLoadAllowed } from '../../src/load/safety.js'
import { parseExposition } from '../../src/metrics/exposition.js'
import type { LoadResult } from '../../src/report.js'
import { AgentctlError } from '../../src/exit-codes.js'
import { loadConfig } from '../../src/config/load.js'
import { parseMockLlm, resolvePlan } from '../../src/load/plan.js'

describe('SLO expressions', () => {
  it('parses metrics, operators and units', () => {
    expect(parseSlo('p95<5000')).toMatchObject({ metric: 'p95', op: '<', threshold: 5000 })
    expect(parseSlo('p95 < 2s')).toMatchObject({ threshold: 2000 })
    expect(parseSlo('p99<=1.5s').threshold).toBe(1500)
    expect(parseSlo('error_rate<0.01').threshold).toBe(0.01)
    expect(parseSlo('error_rate<1%').threshold).toBe(0.01)
    expect(parseSlo('rps>=20')).toMatchObject({ metric: 'rps', op: '>=', threshold: 20 })
    expect(parseSlo('avg<300ms')).toMatchObject({ metric: 'avg', threshold: 300 })
    // Streamed-answer timings.
    expect(parseSlo('ttft_p95<800ms')).toMatchObject({ metric: 'ttft_p95', threshold: 800 })
    expect(parseSlo('itl_p99<=0.05s')).toMatchObject({ metric: 'itl_p99', op: '<=', threshold: 50 })
    // A config threshold of 0.0000001 is printed by JavaScript as 1e-7.
    expect(effectiveSlos([], [], { p95Ms: 5000, errorRate: 0.0000001 }).find((t) => t.metric === 'error_rate')?.threshold).toBe(1e-7)
  })

  it("accepts k6's threshold syntax, mapped to ours (harness/LOAD.md)", () => {
    expect(parseSlo('p(95)<500')).toMatchObject({ expression: 'p(95)<500', metric: 'p95', op: '<', threshold: 500 })
    expect(parseSlo('p(99) < 2s')).toMatchObject({ metric: 'p99', threshold: 2000 })
    expect(parseSlo('med<100')).toMatchObject({ metric: 'p50', threshold: 100 })
    expect(parseSlo('http_req_duration: p(90)<300')).toMatchObject({ metric: 'p90', threshold: 300 })
    expect(parseSlo('http_req_failed: rate<0.01')).toMatchObject({ metric: 'error_rate', op: '<', threshold: 0.01 })
    expect(parseSlo('http_req_failed rate<1%')).toMatchObject({ metric: 'error_rate', threshold: 0.01 })
    expect(parseSlo('http_reqs: rate>=50')).toMatchObject({ metric: 'rps', op: '>=', threshold: 50 })
    // A percentile we do not compute is refused, not rounded to one we do.
    expect(() => parseSlo('p(99.9)<500')).toThrow(/invalid SLO "p\(99.9\)<500"/)
  })

  it('judges a stream threshold only on streamed answers', () => {
    const latencyMs = { p50: 10, p90: 10, p95: 10, p99: 10, max: 10 }
    const [none] = evaluateSlos([parseSlo('ttft_p95<800ms')], { latencyMs, errorRate: 0, achievedRps: 1, successes: 5 })
    expect(none).toMatchObject({ passed: false, note: expect.stringMatching(/no streamed answers/) })
    const stream = { requests: 5, ttfbMs: latencyMs, ttftMs: { ...latencyMs, p95: 900 }, itlMs: latencyMs, tokensPerSecond: latencyMs }
    expect(evaluateSlos([parseSlo('ttft_p95<800ms'), parseSlo('itl_p95<50ms')], { latencyMs, errorRate: 0, achievedRps: 1, successes: 5, stream }).map((r) => r.passed)).toEqual([false, true])
  })

  it.each([
    ['p42<100', /unknown metric "p42"/],
    ['latency<100', /unknown metric "latency"/],
    ['p95 = 100', /expected METRIC OP VALUE/],
    ['p95<', /expected METRIC OP VALUE/],
    ['error_rate<5', /between 0 and 1/],
    ['p95<10%', /latency/],
    ['rps>5s', /takes no unit/],
  ])('rejects %s with a precise exit-2 error', (expression, message) => {
    let error: unknown
    try {
      parseSlo(expression)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(AgentctlError)
    expect((error as AgentctlError).exitCode).toBe(2)
    expect((error as AgentctlError).message).toMatch(message)
    expect((error as AgentctlError).message).toContain(expression)
    expect((error as AgentctlError).hint).toContain('error_rate')
  })

  it('flags replace config thresholds, which replace the slo defaults', () => {
    expect(effectiveSlos([], [], { p95Ms: 4000, errorRate: 0.02 }).map((s) => s.expression)).toEqual(['p95<4000', 'error_rate<0.02'])
    expect(effectiveSlos([], ['p99<9s'], { p95Ms: 4000, errorRate: 0.02 }).map((s) => s.expression)).toEqual(['p99<9s'])
    expect(effectiveSlos(['p50<1'], ['p99<9s'], { p95Ms: 4000, errorRate: 0.02 }).map((s) => s.expression)).toEqual(['p50<1'])
  })

  it('evaluates against observations', () => {
    const results = evaluateSlos([parseSlo('p95<100'), parseSlo('error_rate<=0.01'), parseSlo('rps>10')], {
      latencyMs: { p50: 50, p90: 80, p95: 120, p99: 200, max: 300 },
      errorRate: 0.01,
      achievedRps: 12,
    })
    expect(results.map((r) => r.passed)).toEqual([false, true, true])
    expect(results[0]!.observed).toBe(120)
  })
})

describe('capacity arithmetic', () => {
  const step = (offeredRps: number, p95: number) => ({ offeredRps, latencyMs: { p50: 0, p90: 0, p95, p99: 0, max: 0 } })

  it('finds the knee as the highest step whose p95 stays within 1.5x the latency floor', () => {
    expect(findKnee([step(10, 100), step(20, 105), step(30, 140), step(40, 400)])).toMatchObject({ kneeRps: 30, kneeFound: true })
    // Noisy low-load steps do not place the knee early: the floor is the lowest p95 of all steps.
    expect(findKnee([step(10, 300), step(20, 100), step(30, 110), step(40, 200)])).toMatchObject({ kneeRps: 30, kneeFound: true })
    expect(findKnee([step(20, 90), step(40, 137), step(60, 70), step(80, 157), step(100, 817)])).toMatchObject({ kneeRps: 60, kneeFound: true })
    expect(findKnee([step(10, 100), step(20, 110)])).toMatchObject({ kneeRps: 20, kneeFound: false })
  })

  it('sizes replicas with headroom and connections from Little’s law', () => {
    expect(replicasNeeded(100, 0.3, 40)).toBe(4) // 130 / 40 = 3.25
    expect(replicasNeeded(100, 0.2, 40)).toBe(3) // exactly 120 / 40
    expect(replicasNeeded(10, 0.3, 0)).toBeUndefined()
    expect(connectionsFor(50, 2000, 1000)).toBe(100)
    expect(connectionsFor(5000, 2000, 1000)).toBe(1000)
    expect(connectionsFor(1, 10, 1000)).toBe(16)
  })
})

describe('cost', () => {
  it('prices tokens from chat responses', () => {
    const meter = new UsageMeter()
    for (let i = 0; i < 4; i++) meter.observe(JSON.stringify({ response: 'hi', model: 'gpt-4o-mini', usage: { prompt_tokens: 1000, completion_tokens: 500 } }))
    meter.observe('not json')
    meter.observe('{"response":"no usage"}')
    const cost = computeCost(meter.totals()!, { 'gpt-4o-mini': { inputPer1k: 0.00015, outputPer1k: 0.0006 } }, 10, 100)
    expect(cost.tokensPerRequest).toBe(1500)
    expect(cost.usdPerRequest).toBeCloseTo(0.00045, 8)
    expect(cost.usdPer1kRequests).toBeCloseTo(0.45, 4)
    expect(cost.usdPerDayAtTarget).toBeCloseTo(0.00045 * 10 * 86_400, 2)
    expect(cost.dailyBudgetUsd).toBe(100)
    // The finding names the rate the day is projected at (the demo sets one the user never typed).
    const targeted = { mode: 'open' as const, offeredRps: 1, achievedRps: 1, requests: 1, errors: 0, latencyMs: { p50: 1, p90: 1, p95: 1, p99: 1, max: 1 } }
    const costMessage = loadFindings({ load: targeted, slo: [], statuses: {}, costRequested: true, durationMs: 0, cost }).find((f) => f.checkId === 'load-cost')!.message
    expect(costMessage).toMatch(/\$388\.80\/day at 10 rps \(--target-rps\) against a \$100 daily budget/)
    // No target rate: no daily figure at all, never $0.00 (issue 20), and no table row for it.
    const untargeted = computeCost(meter.totals()!, { 'gpt-4o-mini': { inputPer1k: 0.00015, outputPer1k: 0.0006 } }, undefined)
    expect(untargeted).not.toHaveProperty('usdPerDayAtTarget')
    const load = { mode: 'open' as const, offeredRps: 1, achievedRps: 1, requests: 1, errors: 0, latencyMs: { p50: 1, p90: 1, p95: 1, p99: 1, max: 1 }, steps: [], cost: untargeted }
    expect(loadSummaryRows(load).map(([label]) => label)).not.toContain('Cost per day at target')
    // No price for the model and no figure from the agent: dollars absent, tokens kept.
    const unpriced = computeCost(meter.totals()!, {}, 10)
    expect(unpriced).toEqual({ tokensPerRequest: 1500, source: 'response usage', unpricedModels: ['gpt-4o-mini'] })
  })

  it('reads the AI SDK, Responses and Anthropic usage shapes; an unknown shape is no data (never $0)', () => {
    const meter = new UsageMeter()
    meter.observe(JSON.stringify({ text: 'hi', usage: { inputTokens: 100, outputTokens: 50 } }))
    meter.observe(JSON.stringify({ output_text: 'hi', model: 'gpt-4o-mini', usage: { input_tokens: 10, output_tokens: 5 } }))
    expect(meter.totals()).toMatchObject({ requests: 2 })
    expect(meter.byModel.get('unknown')).toEqual({ prompt: 100, completion: 50 })
    const unknown = new UsageMeter()
    unknown.observe(JSON.stringify({ response: 'hi', usage: { total: 12 } }))
    expect(unknown.totals()).toBeUndefined()
  })

  it('falls back to /metrics token deltas', () => {
    const before = parseExposition('# TYPE agent_llm_tokens_total counter\nagent_llm_tokens_total{model="gpt-4o",kind="prompt"} 100\nagent_llm_tokens_total{model="gpt-4o",kind="completion"} 10\n')
    const after = parseExposition('# TYPE agent_llm_tokens_total counter\nagent_llm_tokens_total{model="gpt-4o",kind="prompt"} 2100\nagent_llm_tokens_total{model="gpt-4o",kind="completion"} 1010\n')
    const totals = tokensFromMetrics(before, after, 10)!
    expect(totals.byModel.get('gpt-4o')).toEqual({ prompt: 2000, completion: 1000 })
    const cost = computeCost(totals, { 'gpt-4o': { inputPer1k: 0.0025, outputPer1k: 0.01 } }, 1)
    expect(cost.tokensPerRequest).toBe(300)
    expect(cost.usdPerRequest).toBeCloseTo((2 * 0.0025 + 1 * 0.01) / 10, 8)
  })
})

describe('the error-rate finding', () => {
  it('names what the failed answers were, most frequent first, in its message', () => {
    const load = { mode: 'open' as const, offeredRps: 5, achievedRps: 3, requests: 25, errors: 10, latencyMs: { p50: 1, p90: 1, p95: 1, p99: 1, max: 1 } }
    const [result] = evaluateSlos([parseSlo('error_rate<1%')], { latencyMs: load.latencyMs, errorRate: 0.4, achievedRps: 3, successes: 15 })
    const f = loadFindings({ load, slo: [result!], statuses: { '200': 15, '429': 8, timeout: 2 }, costRequested: false, durationMs: 0 }).find((x) => x.checkId === 'load-slo-error-rate')!
    expect(f.status).toBe('fail')
    expect(f.message).toBe('error_rate was 40.00% (threshold < 1.00%): HTTP 429 x8, timeout x2')
  })
})

describe('baseline comparison', () => {
  const result = (p95: number, errors: number, achievedRps = 10): LoadResult => ({
    mode: 'closed', achievedRps, offeredRps: achievedRps, requests: 1000, errors, latencyMs: { p50: p95 / 2, p90: p95, p95, p99: p95 * 1.2, max: p95 * 2 }, steps: [],
  })
  it('reports regressions beyond the tolerance only', () => {
    expect(parseTolerance('10%')).toBe(0.1)
    expect(parseTolerance('0.25')).toBe(0.25)
    expect(() => parseTolerance('ten')).toThrow(/invalid --tolerance/)
    expect(compareToBaseline(result(105, 0), result(100, 0), 0.1)).toEqual([])
    const regressions = compareToBaseline(result(130, 50, 7), result(100, 0), 0.1)
    expect(regressions.map((r) => r.metric)).toEqual(['latency p50 (ms)', 'latency p95 (ms)', 'latency p99 (ms)', 'error rate', 'achieved rps'])
    expect(regressions[1]!.changePct).toBe(30)
  })
})

describe('workloads', () => {
  const dir = mkdtempSync(join(tmpdir(), 'agentctl-load-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  it('rotates prompts and replays sessions in order under the session_id of the first answer', () => {
    writeFileSync(join(dir, 'p.txt'), '# comment\nfirst\n\nsecond\n')
    writeFileSync(join(dir, 's.jsonl'), '{"turns": ["a1", "a2"]}\n["b1"]\n')
    expect(readPrompts(join(dir, 'p.txt'))).toEqual(['first', 'second'])
    const sessions = readSessions(join(dir, 's.jsonl'))
    const w = new Workload({ method: 'POST', path: '/chat', headers: {}, sessions })
    const t1 = w.next()
    const t2 = w.next() // t1 still in flight: a different session
    // A first turn carries no session_id: the agent issues one in its answer.
    expect(JSON.parse(t1.spec.body!)).toEqual({ message: 'a1' })
    expect(JSON.parse(t2.spec.body!)).toEqual({ message: 'b1' })
    w.complete(t1, true, JSON.stringify({ response: 'ok', session_id: 'issued-1' }))
    const t3 = w.next()
    expect(JSON.parse(t3.spec.body!)).toEqual({ message: 'a2', session_id: 'issued-1' })
    // An answer without one: the conversation goes on under an id of the load generator's.
    const w2 = new Workload({ method: 'POST', path: '/chat', headers: {}, sessions: [['x1', 'x2']] })
    const first = w2.next()
    w2.complete(first, true, '{"response":"ok"}')
    expect(JSON.parse(w2.next().spec.body!).session_id).toMatch(/^load-[0-9a-f]{8}-1$/)
  })
  it('rejects malformed session lines with the line number', () => {
    writeFileSync(join(dir, 'bad.jsonl'), '{"turns": ["ok"]}\n{"turns": []}\n')
    expect(() => readSessions(join(dir, 'bad.jsonl'))).toThrow(/bad.jsonl:2/)
  })
})

describe('safety', () => {
  it('knows loopback addresses', () => {
    for (const a of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1']) expect(isLoopbackAddress(a)).toBe(true)
    for (const a of ['192.0.2.1', '10.0.0.1', '::', '0.0.0.0', '::ffff:10.0.0.1']) expect(isLoopbackAddress(a)).toBe(false)
  })
  it('resolves names and refuses non-loopback targets unless allowed', async () => {
    await expect(assertLoadAllowed('http://localhost:1', false)).resolves.toMatchObject({ remote: false })
    await expect(assertLoadAllowed('http://192.0.2.1:8080', false)).rejects.toThrow(/refusing to load http:\/\/192.0.2.1:8080.*no traffic was sent/)
    await expect(assertLoadAllowed('http://192.0.2.1:8080', true)).resolves.toMatchObject({ remote: true })
    await expect(assertLoadAllowed('ftp://127.0.0.1', false)).rejects.toThrow(/unsupported target scheme/)
  })
})

describe('load plan', () => {
  const config = (yaml: Record<string, unknown> = {}) => loadConfig({ cwd: tmpdir(), env: {}, overrides: yaml }).config

  it('chooses the model from the flags and bounds it by the config', () => {
    expect(resolvePlan({}, config())).toMatchObject({ mode: 'closed', connections: 10, method: 'POST', path: '/chat', chatLoad: true })
    const open = resolvePlan({ rate: 20, duration: '5s', warmup: '1s' }, config())
    expect(open).toMatchObject({ mode: 'open', rate: 20, durationMs: 5000, warmupMs: 1000, connections: 200 })
    expect(open.promptsFile).toMatch(/fixtures\/prompts\/chat\.txt$/)
    expect(() => resolvePlan({ rate: 50 }, config({ 'load.maxRps': 10 }))).toThrow(/above load.maxRps/)
    expect(() => resolvePlan({ duration: '20m' }, config())).toThrow(/above load.maxDuration/)
    expect(() => resolvePlan({ 'find-capacity': true, 'start-rps': 10, 'max-rps': 5 }, config())).toThrow(/below --start-rps/)
  })

  it('joins the target path, adds auth from config and parses headers', () => {
    const plan = resolvePlan({ method: 'get', path: '/health', header: ['X-Trace: load', 'Accept: text/plain'] }, config({ 'target.url': 'http://127.0.0.1:8080/api/', 'target.apiKey': 'secret-key-123' }))
    expect(plan).toMatchObject({ method: 'GET', path: '/api/health', chatLoad: false })
    expect(plan.headers).toEqual({ 'x-trace': 'load', accept: 'text/plain', authorization: 'Bearer secret-key-123' })
    expect(plan.promptsFile).toBeUndefined()
    expect(() => resolvePlan({ header: ['no colon'] }, config())).toThrow(/invalid --header/)
  })

  it('parses --mock-llm', () => {
    expect(parseMockLlm('latency=800ms..2s')).toMatchObject({ latency: [800, 2000] })
    expect(parseMockLlm('300ms')).toMatchObject({ latency: [300, 300] })
    expect(parseMockLlm('scenario=slow,latencyMs=1000,seed=7')).toEqual({ scenario: 'slow', scenarioParams: { latencyMs: 1000 }, seed: 7 })
  })
})
