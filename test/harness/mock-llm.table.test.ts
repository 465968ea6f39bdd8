import OpenAI from 'openai'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { CALCULATOR, CURRENT_TIME, client, MODES, type MockUnderTest } from './modes.js'

const user = (content: string) => [{ role: 'user' as const, content }]

// One table, run in both modes: in-process (msw setupServer) and a real node:http server.
describe.each(MODES)('mock LLM ($mode)', ({ start }) => {
  let mock: MockUnderTest
  let llm: OpenAI

  beforeAll(async () => {
    mock = await start({ seed: 7 })
    llm = client(mock.baseUrl)
  })
  afterAll(() => mock.close())
  beforeEach(() => {
    mock.reset()
  })

  it('answers a plain completion with real usage and rate-limit headers', async () => {
    const { data, response } = await llm.chat.completions.create({ model: 'gpt-4o-mini', messages: user('Tell me about circuit breakers') }).withResponse()
    expect(data.object).toBe('chat.completion')
    expect(data.choices[0]!.message.content).toContain('circuit breakers')
    expect(data.choices[0]!.finish_reason).toBe('stop')
    // "Tell me about circuit breakers" is 5 tokens in o200k_base, +3 framing +3 priming.
    expect(data.usage!.prompt_tokens).toBe(11)
    expect(data.usage!.completion_tokens).toBeGreaterThan(3)
    expect(data.usage!.total_tokens).toBe(data.usage!.prompt_tokens + data.usage!.completion_tokens)
    expect(response.headers.get('x-ratelimit-remaining-requests')).toMatch(/^\d+$/)
    expect(response.headers.get('x-ratelimit-limit-tokens')).toMatch(/^\d+$/)
    expect(mock.stats().byModel['gpt-4o-mini']).toEqual({ total: 1, byOutcome: { ok: 1 } })
  })

  it('streams the same answer as SSE: role delta, content deltas, finish_reason, usage chunk, [DONE]', async () => {
    const plain = await llm.chat.completions.create({ model: 'gpt-4o-mini', messages: user('Explain retries') })
    const stream = await llm.chat.completions.create({ model: 'gpt-4o-mini', messages: user('Explain retries'), stream: true, stream_options: { include_usage: true } })
    const chunks = []
    for await (const chunk of stream) chunks.push(chunk)
    expect(chunks[0]!.choices[0]!.delta.role).toBe('assistant')
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')
    expect(text).toBe(plain.choices[0]!.message.content)
    expect(chunks.filter((c) => c.choices[0]?.delta.content).length).toBeGreaterThan(2)
    expect(chunks.at(-2)!.choices[0]!.finish_reason).toBe('stop')
    expect(chunks.at(-1)!.choices).toEqual([])
    expect(chunks.at(-1)!.usage).toEqual(plain.usage)
  })

  it('calls an offered tool with schema-valid arguments, then answers from the tool result', async () => {
    const messages: OpenAI.ChatCompletionMessageParam[] = user('What is 12*7 please?')
    const first = await llm.chat.completions.create({ model: 'gpt-4o-mini', messages, tools: [CURRENT_TIME, CALCULATOR] })
    const call = first.choices[0]!.message.tool_calls![0]! as OpenAI.ChatCompletionMessageFunctionToolCall
    expect(first.choices[0]!.finish_reason).toBe('tool_calls')
    expect(call.function.name).toBe('calculator')
    expect(JSON.parse(call.function.arguments)).toEqual({ expression: '12*7' })
    messages.push(first.choices[0]!.message, { role: 'tool', tool_call_id: call.id, content: '84' })
    const second = await llm.chat.completions.create({ model: 'gpt-4o-mini', messages, tools: [CURRENT_TIME, CALCULATOR] })
    expect(second.choices[0]!.message.content).toContain('84')
    expect(second.choices[0]!.finish_reason).toBe('stop')
  })

  it('streams tool-call deltas that the SDK reassembles', async () => {
    const stream = llm.chat.completions.stream({ model: 'gpt-4o-mini', messages: user('what time is it?'), tools: [CALCULATOR, CURRENT_TIME] })
    const final = await stream.finalChatCompletion()
    const call = final.choices[0]!.message.tool_calls![0]! as OpenAI.ChatCompletionMessageFunctionToolCall
    expect(call.function.name).toBe('current_time')
    expect(JSON.parse(call.function.arguments)).toEqual({ timezone: 'UTC' })
    expect(final.choices[0]!.finish_reason).toBe('tool_calls')
  })

  it('answers JSON mode and structured outputs with parseable, schema-valid JSON', async () => {
    const schema = { type: 'object', properties: { sentiment: { type: 'string', enum: ['positive', 'negative'] }, score: { type: 'number', minimum: 0, maximum: 1 } }, required: ['sentiment', 'score'], additionalProperties: false }
    const typed = await llm.chat.completions.create({ model: 'gpt-4o-mini', messages: user('I love it'), response_format: { type: 'json_schema', json_schema: { name: 'review', schema, strict: true } } })
    expect(JSON.parse(typed.choices[0]!.message.content!)).toEqual({ sentiment: 'positive', score: 0 })
    const loose = await llm.chat.completions.create({ model: 'gpt-4o-mini', messages: user('I love it'), response_format: { type: 'json_object' } })
    expect(JSON.parse(loose.choices[0]!.message.content!)).toHaveProperty('answer')
  })

  it('lists the configured models', async () => {
    const models = await llm.models.list()
    expect(models.data.map((m) => m.id)).toEqual(['gpt-4o-mini', 'gpt-4.1-mini', 'gpt-4.1-nano', 'gpt-4o'])
    expect((await llm.models.retrieve('my-finetune')).id).toBe('my-finetune')
  })

  it('rate-limited surfaces as RateLimitError with Retry-After and retry-after-ms', async () => {
    mock.setScenario('rate-limited', { retryAfterMs: 1500 })
    const error = await llm.chat.completions.create({ model: 'gpt-4o-mini', messages: user('hi') }).catch((e) => e)
    expect(error).toBeInstanceOf(OpenAI.RateLimitError)
    expect(error.code).toBe('rate_limit_exceeded')
    expect(error.headers.get('retry-after')).toBe('2')
    expect(error.headers.get('retry-after-ms')).toBe('1500')
  })

  it("the SDK's own retry honours Retry-After", async () => {
    mock.setScenario('rate-limited', { retryAfterMs: 300, count: 1 })
    const started = Date.now()
    const answer = await client(mock.baseUrl, { maxRetries: 1 }).chat.completions.create({ model: 'gpt-4o-mini', messages: user('hi') })
    expect(answer.choices[0]!.message.content).toBeTruthy()
    expect(Date.now() - started).toBeGreaterThanOrEqual(290)
    const { calls } = mock.stats()
    expect(calls.map((c) => c.outcome)).toEqual(['rate-limited', 'ok'])
    expect(calls[1]!.t - calls[0]!.t).toBeGreaterThanOrEqual(290)
  })

  it('quota is a RateLimitError with code insufficient_quota', async () => {
    mock.setScenario('quota')
    const error = await llm.chat.completions.create({ model: 'gpt-4o-mini', messages: user('hi') }).catch((e) => e)
    expect(error).toBeInstanceOf(OpenAI.RateLimitError)
    expect(error.code).toBe('insufficient_quota')
  })

  it('context-length is a BadRequestError with code context_length_exceeded', async () => {
    mock.setScenario('context-length')
    const error = await llm.chat.completions.create({ model: 'gpt-4o-mini', messages: user('hi') }).catch((e) => e)
    expect(error).toBeInstanceOf(OpenAI.BadRequestError)
    expect(error.code).toBe('context_length_exceeded')
    expect(error.param).toBe('messages')
  })

  it('context-length with maxContextTokens fails only long prompts', async () => {
    mock.setScenario('context-length', { maxContextTokens: 50 })
    await expect(llm.chat.completions.create({ model: 'gpt-4o-mini', messages: user('short') })).resolves.toBeTruthy()
    await expect(llm.chat.completions.create({ model: 'gpt-4o-mini', messages: user('word '.repeat(100)) })).rejects.toBeInstanceOf(OpenAI.BadRequestError)
  })

  it('bad-request is a 400 the SDK never retries', async () => {
    mock.setScenario('bad-request')
    const error = await client(mock.baseUrl, { maxRetries: 3 }).chat.completions.create({ model: 'gpt-4o-mini', messages: user('hi') }).catch((e) => e)
    expect(error).toBeInstanceOf(OpenAI.BadRequestError)
    expect(error.type).toBe('invalid_request_error')
    expect(mock.stats().total).toBe(1)
  })

  it('error-storm is an InternalServerError, rotating 500/502/503', async () => {
    mock.setScenario('error-storm')
    const statuses = []
    for (let i = 0; i < 3; i++) {
      const error = await llm.chat.completions.create({ model: 'gpt-4o-mini', messages: user('hi') }).catch((e) => e)
      expect(error).toBeInstanceOf(OpenAI.InternalServerError)
      statuses.push(error.status)
    }
    expect(statuses.sort()).toEqual([500, 502, 503])
  })

  it('targets one model: the others stay healthy', async () => {
    mock.setScenario('error-storm', { model: 'gpt-4o', status: 503 })
    await expect(llm.chat.completions.create({ model: 'gpt-4o-mini', messages: user('hi') })).resolves.toBeTruthy()
    await expect(llm.chat.completions.create({ model: 'gpt-4o', messages: user('hi') })).rejects.toBeInstanceOf(OpenAI.InternalServerError)
    // Unknown models still answer; stats key by the requested name.
    await expect(llm.chat.completions.create({ model: 'my-finetune', messages: user('hi') })).resolves.toBeTruthy()
    const stats = mock.stats()
    expect(stats.byModel['gpt-4o']!.byOutcome).toEqual({ error: 1 })
    expect(stats.byModel['my-finetune']!.byOutcome).toEqual({ ok: 1 })
  })

  it('flaky fails a seeded share of calls', async () => {
    mock.setScenario('flaky', { probability: 0.5 })
    let failures = 0
    for (let i = 0; i < 24; i++) {
      failures += await llm.chat.completions.create({ model: 'gpt-4o-mini', messages: user('hi') }).then(() => 0, () => 1)
    }
    expect(failures).toBeGreaterThan(4)
    expect(failures).toBeLessThan(20)
  })

  it('connection-reset is an APIConnectionError', async () => {
    mock.setScenario('connection-reset')
    const error = await llm.chat.completions.create({ model: 'gpt-4o-mini', messages: user('hi') }).catch((e) => e)
    expect(error).toBeInstanceOf(OpenAI.APIConnectionError)
    expect(mock.stats().byOutcome).toEqual({ reset: 1 })
  })

  it('a truncated stream ends without a finish_reason', async () => {
    mock.setScenario('truncated-stream')
    const stream = await llm.chat.completions.create({ model: 'gpt-4o-mini', messages: user('Tell me a long story please'), stream: true })
    const chunks = []
    for await (const chunk of stream) chunks.push(chunk)
    expect(chunks.length).toBeGreaterThan(0)
    expect(chunks.every((c) => c.choices[0]?.finish_reason == null)).toBe(true)
  })

  it('hang never answers; the client timeout ends it and stats show when', async () => {
    mock.setScenario('hang')
    const started = Date.now()
    const error = await client(mock.baseUrl, { timeout: 200 }).chat.completions.create({ model: 'gpt-4o-mini', messages: user('hi') }).catch((e) => e)
    expect(error).toBeInstanceOf(OpenAI.APIConnectionTimeoutError)
    expect(Date.now() - started).toBeLessThan(2_000)
    await expect.poll(() => mock.stats().calls[0]?.endT).toBeDefined()
    const [call] = mock.stats().calls
    expect(call!.outcome).toBe('hang')
    // Released when the client's 200 ms timeout fired (not earlier, and not never).
    expect(call!.endT! - started).toBeGreaterThanOrEqual(150)
    expect(call!.durationMs).toBeGreaterThan(0)
  })

  it('slow adds the configured latency, also to streams (ttft)', async () => {
    mock.setScenario('slow', { latencyMs: 250 })
    let started = Date.now()
    await llm.chat.completions.create({ model: 'gpt-4o-mini', messages: user('hi') })
    expect(Date.now() - started).toBeGreaterThanOrEqual(240)
    mock.setScenario('slow', { ttftMs: 200, interTokenMs: 10 })
    started = Date.now()
    const stream = await llm.chat.completions.create({ model: 'gpt-4o-mini', messages: user('hi there friend'), stream: true })
    let firstTokenAt = 0
    for await (const chunk of stream) if (!firstTokenAt && chunk.choices[0]?.delta.content !== undefined) firstTokenAt = Date.now()
    expect(firstTokenAt - started).toBeGreaterThanOrEqual(190)
  })

  it('content-filter finishes with content_filter and no content', async () => {
    mock.setScenario('content-filter')
    const answer = await llm.chat.completions.create({ model: 'gpt-4o-mini', messages: user('hi') })
    expect(answer.choices[0]!.finish_reason).toBe('content_filter')
    expect(answer.choices[0]!.message.content).toBeNull()
  })

  it('malformed-json makes the SDK fail to parse', async () => {
    mock.setScenario('malformed-json')
    await expect(llm.chat.completions.create({ model: 'gpt-4o-mini', messages: user('hi') })).rejects.toThrow()
    expect(mock.stats().byOutcome).toEqual({ malformed: 1 })
  })

  it('empty-choices, length, bad-tool-args and tool-loop shape the reply', async () => {
    mock.setScenario('empty-choices')
    expect((await llm.chat.completions.create({ model: 'gpt-4o-mini', messages: user('hi') })).choices).toEqual([])
    mock.setScenario('length')
    expect((await llm.chat.completions.create({ model: 'gpt-4o-mini', messages: user('hi') })).choices[0]!.finish_reason).toBe('length')
    mock.setScenario('bad-tool-args')
    const bad = await llm.chat.completions.create({ model: 'gpt-4o-mini', messages: user('what is 2+3'), tools: [CALCULATOR] })
    const badCall = bad.choices[0]!.message.tool_calls![0]! as OpenAI.ChatCompletionMessageFunctionToolCall
    expect(() => JSON.parse(badCall.function.arguments)).toThrow()
    mock.setScenario('tool-loop')
    const loop = await llm.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [...user('what is 2+3'), { role: 'assistant', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'calculator', arguments: '{"expression":"2+3"}' } }] }, { role: 'tool', tool_call_id: 'call_1', content: '5' }],
      tools: [CALCULATOR],
    })
    expect(loop.choices[0]!.finish_reason).toBe('tool_calls')
    expect(loop.choices[0]!.message.tool_calls![0]!.id).not.toBe('call_1')
  })

  it('streams the faults too: malformed event, empty choices, length, content filter', async () => {
    const collect = async () => {
      const stream = await llm.chat.completions.create({ model: 'gpt-4o-mini', messages: user('tell me about timeouts and retries'), stream: true })
      const chunks = []
      for await (const chunk of stream) chunks.push(chunk)
      return chunks
    }
    mock.setScenario('malformed-json')
    await expect(collect()).rejects.toThrow()
    mock.setScenario('empty-choices')
    expect((await collect()).every((c) => c.choices.length === 0)).toBe(true)
    mock.setScenario('length')
    expect((await collect()).at(-1)!.choices[0]!.finish_reason).toBe('length')
    mock.setScenario('content-filter')
    expect((await collect()).at(-1)!.choices[0]!.finish_reason).toBe('content_filter')
  })

  it('count affects only the next N calls', async () => {
    mock.setScenario('error-storm', { count: 2 })
    const results = []
    for (let i = 0; i < 3; i++) results.push(await llm.chat.completions.create({ model: 'gpt-4o-mini', messages: user('hi') }).then(() => 'ok', () => 'error'))
    expect(results).toEqual(['error', 'error', 'ok'])
  })

  it('rejects an unknown scenario with the valid names', () => {
    expect(() => mock.setScenario('nope')).toThrow(/valid: healthy, slow, hang/)
    expect(() => mock.setScenario('slow', { latency: 5 })).toThrow(/invalid params/)
  })
})
