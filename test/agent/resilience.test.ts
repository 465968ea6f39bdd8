/**
 * LLM failure handling through the real agent: every mock fault maps to a clear HTTP outcome,
 * retries are bounded and skip permanent errors, breakers answer 503 without calling the LLM,
 * fallback models take over.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createTestSchema, startTestAgent, type TestAgent } from './support.js'

let schema: Awaited<ReturnType<typeof createTestSchema>>
beforeAll(async () => {
  schema = await createTestSchema('agent_resilience')
})
afterAll(async () => {
  await schema?.drop()
})

describe('fault mapping (one model, retries=2)', () => {
  let t: TestAgent
  beforeAll(async () => {
    t = await startTestAgent({
      DATABASE_URL: schema.url,
      LLM_FALLBACK_MODELS: 'none',
      LLM_MAX_RETRIES: '2',
      LLM_TIMEOUT_MS: '300',
      BREAKER_THRESHOLD: '100', // keep the breaker out of these cases
      MAX_ITERATIONS: '3',
    })
  })
  afterAll(() => t?.close())
  afterEach(() => {
    t.mock.setScenario('healthy')
    t.mock.reset()
  })

  const cases: Array<[scenario: string, params: Record<string, unknown>, status: number, code: string, calls: number]> = [
    ['error-storm', {}, 502, 'llm_upstream_error', 3],
    ['quota', {}, 503, 'llm_quota_exhausted', 1],
    ['bad-request', {}, 502, 'llm_request_rejected', 1],
    ['content-filter', {}, 422, 'content_filtered', 1],
    ['content-filter', { mode: 'error' }, 422, 'content_filtered', 1],
    ['context-length', {}, 413, 'context_length_exceeded', 2],
    ['malformed-json', {}, 502, 'llm_invalid_response', 3],
    ['empty-choices', {}, 502, 'llm_invalid_response', 3],
    ['length', {}, 502, 'llm_output_truncated', 1],
    ['hang', {}, 504, 'llm_timeout', 3],
    ['connection-reset', {}, 502, 'llm_unreachable', 3],
    ['tool-loop', {}, 500, 'max_iterations', 3],
  ]
  it.each(cases)('%s %j -> %i %s after %i LLM calls', async (scenario, params, status, code, calls) => {
    t.mock.reset()
    t.mock.setScenario(scenario, params)
    const res = await t.chat({ message: `case ${scenario}` })
    expect(res.status).toBe(status)
    expect(res.body.error).toMatchObject({ type: code, code, message: expect.any(String) })
    expect(t.mock.stats().total).toBe(calls)
    expect((await t.get('/health')).status).toBe(200)
  })

  it('recovers from one transient failure of each retryable kind', async () => {
    for (const scenario of ['error-storm', 'malformed-json', 'empty-choices', 'connection-reset', 'context-length']) {
      t.mock.reset()
      t.mock.setScenario(scenario, { count: 1 })
      const res = await t.chat({ message: `once ${scenario}` })
      expect(res.status, scenario).toBe(200)
    }
  })

  it('waits the advertised Retry-After on a 429, then succeeds', async () => {
    t.mock.setScenario('rate-limited', { count: 1, retryAfterMs: 150 })
    const started = Date.now()
    const res = await t.chat({ message: 'rate limited once' })
    expect(res.status).toBe(200)
    expect(Date.now() - started).toBeGreaterThanOrEqual(150)
  })

  it('sends invalid tool arguments back to the model instead of running the tool', async () => {
    t.mock.setScenario('bad-tool-args', { count: 1 })
    const res = await t.chat({ message: 'compute 1 + 1' })
    expect(res.status).toBe(200)
    const metrics = (await t.get('/metrics')).body as string
    expect(metrics).toMatch(/agent_tool_calls_total\{tool="[a-z_]+",outcome="invalid_args"\} [1-9]/)
  })
})

describe('streaming (LLM_STREAM=true)', () => {
  let t: TestAgent
  beforeAll(async () => {
    t = await startTestAgent({ DATABASE_URL: schema.url, LLM_STREAM: 'true', LLM_FALLBACK_MODELS: 'none', LLM_MAX_RETRIES: '1', BREAKER_THRESHOLD: '100' })
  })
  afterAll(() => t?.close())

  it('assembles streamed tool calls and answers', async () => {
    const res = await t.chat({ message: 'what is 6 * 7' })
    expect(res.status).toBe(200)
    expect(res.body.iterations).toBe(2)
    expect(res.body.usage.prompt_tokens).toBeGreaterThan(0)
  })

  it('treats a stream without finish_reason as a failure, never as an answer', async () => {
    t.mock.reset()
    t.mock.setScenario('truncated-stream')
    const res = await t.chat({ message: 'truncated please' })
    t.mock.setScenario('healthy')
    expect(res.status).toBe(502)
    expect(res.body.error.code).toBe('llm_invalid_response')
    expect(t.mock.stats().total).toBe(2)
  })
})

describe('circuit breakers and fallback models', () => {
  it('opens the breaker, then answers 503 + Retry-After at once with zero LLM calls, and recovers after half-open', async () => {
    const t = await startTestAgent({
      DATABASE_URL: schema.url,
      LLM_FALLBACK_MODELS: 'none',
      LLM_MAX_RETRIES: '1',
      BREAKER_THRESHOLD: '2',
      BREAKER_HALF_OPEN_MS: '400',
    })
    try {
      t.mock.setScenario('error-storm')
      expect((await t.chat({ message: 'trip the breaker' })).status).toBe(502)
      const calls = t.mock.stats().total
      expect(calls).toBe(2)

      const started = performance.now()
      const refused = await t.chat({ message: 'while open' })
      expect(performance.now() - started).toBeLessThan(100)
      expect(refused.status).toBe(503)
      expect(refused.body.error.code).toBe('llm_unavailable')
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
      expect(t.mock.stats().total).toBe(calls) // zero LLM calls while open

      const ready = await t.get('/ready')
      expect(ready.status).toBe(200) // a shared LLM outage must not pull every replica
      expect(ready.body.status).toBe('warn')
      expect(ready.body.checks['llm:circuitBreaker'][0]).toMatchObject({ componentId: 'gpt-4o-mini', observedValue: 'open' })
      expect((await t.get('/metrics')).body).toMatch(/agent_circuit_breaker_state\{model="gpt-4o-mini"\} 1/)
      expect((await t.get('/metrics')).body).toMatch(/agent_llm_requests_total\{model="gpt-4o-mini",outcome="breaker_open"\} [1-9]/)

      t.mock.setScenario('healthy')
      await new Promise((r) => setTimeout(r, 450))
      const probe = await t.chat({ message: 'after half-open' })
      expect(probe.status).toBe(200)
      expect((await t.get('/metrics')).body).toMatch(/agent_circuit_breaker_state\{model="gpt-4o-mini"\} 0/)
    } finally {
      await t.close()
    }
  })

  it('falls back to the next model when the primary breaker opens', async () => {
    const t = await startTestAgent({
      DATABASE_URL: schema.url,
      LLM_MODEL: 'gpt-4o-mini',
      LLM_FALLBACK_MODELS: 'gpt-4.1-mini',
      LLM_MAX_RETRIES: '3',
      BREAKER_THRESHOLD: '2',
    })
    try {
      t.mock.setScenario('error-storm', { model: 'gpt-4o-mini' })
      const res = await t.chat({ message: 'fallback please' })
      expect(res.status).toBe(200)
      expect(res.body.model).toBe('gpt-4.1-mini')
      const byModel = t.mock.stats().byModel
      expect(byModel['gpt-4o-mini']?.total).toBe(2)
      expect(byModel['gpt-4.1-mini']?.total).toBe(2)
    } finally {
      await t.close()
    }
  })
})
