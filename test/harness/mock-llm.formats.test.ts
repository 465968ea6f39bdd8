import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { apiOf, drive, METHODS, type Method, type Observed } from './sdk-drivers.js'
import { MODES, type MockUnderTest } from './modes.js'

/**
 * Every scenario through the official SDKs' six ways of calling the three APIs, in every mode.
 * Expectations are what each SDK documents for such an answer (its error classes, its retry of
 * 429/5xx honouring retry-after-ms, its stream helpers); see harness/README.md "Scenarios per API".
 */
type Api = 'chat' | 'responses' | 'messages'
const per = <T>(method: Method, values: Record<Api, T>): T => values[apiOf(method)]
const isStream = (method: Method) => method.includes('stream')
const parses = (text: string) => {
  try {
    JSON.parse(text)
    return true
  } catch {
    return false
  }
}

const FINISHED = { chat: 'stop', responses: 'completed', messages: 'end_turn' }
const answered = (method: Method): Partial<Observed> => ({ finish: per(method, FINISHED), text: expect.stringContaining('What is 6*7'), ...(isStream(method) && { closed: true }) })
const thrown = (error: string, status?: number) => ({ error, ...(status !== undefined && { status }) })

interface Row {
  name: string
  scenario: string
  params?: Record<string, unknown>
  tools?: boolean
  maxOutputTokens?: number
  /** The SDK's own retries: 0 unless the row tests them (flaky, rate-limited). */
  maxRetries?: number
  timeoutMs?: number
  /** The mock's calls for this one SDK call (SDK retries included). */
  calls?: number | ((method: Method) => number)
  minMs?: number
  expect: (method: Method) => Partial<Observed>
  check?: (observed: Observed, method: Method) => void
}

const ROWS: Row[] = [
  { name: 'healthy', scenario: 'healthy', expect: answered },
  { name: "healthy, capped at 16 output tokens (the Responses API's minimum)", scenario: 'healthy', maxOutputTokens: 16, expect: (m) => ({ finish: per(m, { chat: 'length', responses: 'incomplete:max_output_tokens', messages: 'max_tokens' }) }) },
  { name: 'slow', scenario: 'slow', params: { latencyMs: 40 }, minMs: 35, expect: answered },
  { name: 'hang: the SDK times out', scenario: 'hang', timeoutMs: 150, expect: () => thrown('APIConnectionTimeoutError') },
  { name: 'error-storm 503 (Anthropic: 529 overloaded)', scenario: 'error-storm', params: { status: 503 }, expect: (m) => per(m, { chat: thrown('InternalServerError', 503), responses: thrown('InternalServerError', 503), messages: thrown('OverloadedError', 529) }) },
  { name: 'error-storm 500', scenario: 'error-storm', params: { status: 500 }, expect: () => thrown('InternalServerError', 500) },
  {
    // After the 200: chat's error chunk and Anthropic's error event are thrown as a bare APIError (no
    // status, so no retry); Responses' `error` event makes ResponseStream reject with the event object
    // itself (openai/lib/responses/ResponseStream.js emits it under the name 'error'), not an Error.
    name: 'error-storm 503 mid-stream', scenario: 'error-storm', params: { status: 503, midStream: true },
    expect: (m) => (!isStream(m) ? per(m, { chat: thrown('InternalServerError', 503), responses: thrown('InternalServerError', 503), messages: thrown('OverloadedError', 529) }) : per(m, { chat: thrown('APIError'), responses: thrown('Object'), messages: thrown('APIError') })),
    check: (o, m) => isStream(m) && expect(o.message).toMatch(m === 'messages.stream' ? /Overloaded/ : /engine is currently overloaded/),
  },
  { name: 'flaky: the SDK retries the 5xx and succeeds', scenario: 'flaky', params: { probability: 1, count: 1 }, maxRetries: 1, calls: 2, expect: answered },
  { name: 'rate-limited: RateLimitError after the SDK retried once, honouring retry-after-ms', scenario: 'rate-limited', params: { retryAfterMs: 40 }, maxRetries: 1, calls: 2, minMs: 35, expect: () => thrown('RateLimitError', 429) },
  { name: 'quota (Anthropic: 402 billing_error)', scenario: 'quota', expect: (m) => per(m, { chat: thrown('RateLimitError', 429), responses: thrown('RateLimitError', 429), messages: thrown('PaymentRequiredError', 402) }) },
  {
    // openai/client.js shouldRetry retries every 429 (it cannot tell quota from load);
    // @anthropic-ai/sdk/client.js shouldRetry does not retry a 402.
    name: 'quota with maxRetries 1: the OpenAI SDK retries the 429, the Anthropic SDK not the 402', scenario: 'quota', maxRetries: 1,
    calls: (m) => per(m, { chat: 2, responses: 2, messages: 1 }),
    expect: (m) => per(m, { chat: thrown('RateLimitError', 429), responses: thrown('RateLimitError', 429), messages: thrown('PaymentRequiredError', 402) }),
  },
  { name: 'bad-request', scenario: 'bad-request', expect: () => thrown('BadRequestError', 400) },
  {
    name: 'context-length', scenario: 'context-length', expect: () => thrown('BadRequestError', 400),
    check: (o, m) => expect(o.message).toMatch(per(m, { chat: /maximum context length/, responses: /maximum context length/, messages: /prompt is too long/ })),
  },
  { name: 'content-filter', scenario: 'content-filter', expect: (m) => ({ text: '', finish: per(m, { chat: 'content_filter', responses: 'incomplete:content_filter', messages: 'refusal' }) }) },
  { name: 'content-filter as an error', scenario: 'content-filter', params: { mode: 'error' }, expect: () => thrown('BadRequestError', 400) },
  // The SDKs parse the body (or each event) with JSON.parse; their stream helpers wrap the SyntaxError.
  { name: 'malformed-json', scenario: 'malformed-json', expect: (m) => thrown(m === 'responses.stream' ? 'OpenAIError' : m === 'messages.stream' ? 'AnthropicError' : 'SyntaxError') },
  {
    name: 'truncated-stream: no closing event', scenario: 'truncated-stream',
    expect: (m) => (!isStream(m) ? thrown('SyntaxError') : per(m, { chat: { finish: null, closed: false }, responses: { finish: 'in_progress', closed: false }, messages: thrown('AnthropicError') })),
    check: (o, m) => m === 'messages.stream' && expect(o.message).toMatch(/stream ended without producing a Message/),
  },
  { name: 'connection-reset', scenario: 'connection-reset', expect: () => thrown('APIConnectionError') },
  {
    // Over a socket the SDKs raise (undici's 'terminated', wrapped by the stream helpers); in-process
    // msw ends the body quietly: either way the stream never closes.
    name: 'connection-reset mid-stream', scenario: 'connection-reset', params: { midStream: true },
    expect: (m) => (isStream(m) ? {} : thrown('APIConnectionError')),
    check: (o, m) => isStream(m) && expect(o.error !== undefined || o.closed === false).toBe(true),
  },
  {
    name: 'empty-choices: no output', scenario: 'empty-choices', expect: (m) => ({ text: '', finish: per(m, { chat: null, responses: 'completed', messages: 'end_turn' }) }),
    check: (o) => expect(o.tool).toBeUndefined(),
  },
  {
    name: 'bad-tool-args: arguments that are not JSON', scenario: 'bad-tool-args', tools: true,
    // Anthropic's stream helper parses input_json_delta itself and raises; its JSON answer carries an object.
    expect: (m) => (m === 'messages.stream' ? thrown('AnthropicError') : { tool: { name: 'calculator', args: expect.any(String) } }),
    check: (o, m) => o.tool && (m === 'messages.create' ? expect(JSON.parse(o.tool.args)).toHaveProperty('INVALID_JSON') : expect(parses(o.tool.args)).toBe(false)),
  },
  { name: 'bad-tool-args: schema-breaking', scenario: 'bad-tool-args', params: { mode: 'schema' }, tools: true, expect: () => ({ tool: { name: 'calculator', args: '{"unexpected_argument":42}' } }) },
  {
    name: 'tool-loop', scenario: 'tool-loop', tools: true,
    expect: (m) => ({ finish: per(m, { chat: 'tool_calls', responses: 'completed', messages: 'tool_use' }), tool: { name: 'calculator', args: '{"expression":"6*7"}' } }),
  },
  {
    name: 'length', scenario: 'length', expect: (m) => ({ finish: per(m, { chat: 'length', responses: 'incomplete:max_output_tokens', messages: 'max_tokens' }) }),
    check: (o) => expect(o.text!.length).toBeGreaterThan(0),
  },
]

describe.each(MODES)('official SDKs against the mock ($mode)', ({ start }) => {
  let mock: MockUnderTest
  beforeAll(async () => {
    mock = await start({ seed: 5 })
  })
  afterAll(() => mock.close())

  describe.each(ROWS)('$name', (row) => {
    it.each(METHODS)('%s', async (method) => {
      mock.reset()
      mock.setScenario(row.scenario, row.params)
      const started = Date.now()
      const observed = await drive(method, mock.baseUrl.replace(/\/v1$/, ''), { tools: row.tools ?? false, maxOutputTokens: row.maxOutputTokens, maxRetries: row.maxRetries ?? 0, timeoutMs: row.timeoutMs ?? 5_000 })
      expect(observed).toMatchObject(row.expect(method))
      row.check?.(observed, method)
      if (row.minMs) expect(Date.now() - started).toBeGreaterThanOrEqual(row.minMs)
      const calls = typeof row.calls === 'function' ? row.calls(method) : (row.calls ?? 1)
      const stats = mock.stats()
      expect(stats.total).toBe(calls)
      expect(stats.byApi).toEqual({ [apiOf(method)]: calls })
    })
  })
})
