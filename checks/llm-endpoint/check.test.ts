import type { IncomingMessage, ServerResponse } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConfigSchema } from '../../src/config/schema.js'
import { runChecks } from '../../src/runner.js'
import { type HttpFaultServer, startHttpServer } from '../../test/support/fault-servers.js'
import { llmEndpointCheck } from './check.js'

const KEY = 'sk-live-checkkey-0123456789'
type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void
let handler: Handler
let server: HttpFaultServer
const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => void res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body))
const MODELS = { object: 'list', data: [{ id: 'gpt-4o-mini' }, { id: 'MiniMax-M2' }] }
const COMPLETION = { id: 'chatcmpl-1', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: 'p' }, finish_reason: 'length' }] }
/** /models answers `models`; every POST answers `completion`. */
const provider = (models: (res: ServerResponse) => void, completion: (res: ServerResponse, body: string) => void = (res) => json(res, 200, COMPLETION)): Handler => (req, res, body) => (req.method === 'GET' ? models(res) : completion(res, body))

beforeAll(async () => {
  server = await startHttpServer((req, res) => {
    let body = ''
    req.on('data', (c) => (body += c))
    req.on('end', () => handler(req, res, body))
  })
})
afterAll(() => server.close())

const run = (llm: Record<string, unknown> = {}) => runChecks([llmEndpointCheck], { mode: 'diagnose', config: ConfigSchema.parse({ dependencies: { llm: { baseUrl: `${server.url}/v1`, apiKey: KEY, model: 'MiniMax-M2', ...llm } } }), timeoutMs: 2000 })

describe('llm-endpoint', () => {
  it('GET /models then a 1-token POST /chat/completions: passes with latency and rate-limit headroom, sending the key', async () => {
    handler = provider((res) => json(res, 200, MODELS, { 'x-ratelimit-remaining-requests': '4999', 'x-ratelimit-limit-requests': '5000', 'x-ratelimit-remaining-tokens': '1999000', 'x-ratelimit-limit-tokens': '2000000' }))
    const [f] = await run()
    expect(f).toMatchObject({ status: 'pass', message: expect.stringMatching(/^GET \/models → HTTP 200 in [\d.]+ms · 4999 requests \/ 1999000 tokens left in window · POST \/chat\/completions \(max 1 output token\) → HTTP 200 in [\d.]+ms$/) })
    expect(f!.evidence).toMatchObject({ remaining_requests: 4999, remaining_tokens: 1999000, modelsListed: 2, call: { api: 'chat', httpStatus: 200 } })
    expect(server.requests.at(-2)).toMatchObject({ method: 'GET', url: '/v1/models', headers: { authorization: `Bearer ${KEY}` } })
    expect(server.requests.at(-1)).toMatchObject({ method: 'POST', url: '/v1/chat/completions', headers: { authorization: `Bearer ${KEY}` } })
  })

  it('warns when the configured model is not listed, or the window is nearly spent', async () => {
    handler = provider((res) => json(res, 200, MODELS, { 'x-ratelimit-remaining-requests': '3', 'x-ratelimit-limit-requests': '5000' }))
    const [f] = await run({ model: 'gpt-5-typo' })
    expect(f!.status).toBe('warn')
    expect(f!.message).toContain('model "gpt-5-typo" is not in the provider\'s /models list')
    expect(f!.message).toContain('only 3 of 5000 requests left')
  })

  it('falls back to a 1-token completion when /models is unsupported', async () => {
    let completion: Record<string, unknown> = {}
    handler = (req, res, body) => {
      if (req.url === '/v1/models') return json(res, 404, { error: { message: 'not found' } })
      completion = JSON.parse(body)
      json(res, 200, COMPLETION)
    }
    const [f] = await run()
    expect(f).toMatchObject({ status: 'pass', message: expect.stringMatching(/^POST \/chat\/completions \(max 1 output token\) → HTTP 200/) })
    expect(server.requests.at(-1)).toMatchObject({ method: 'POST', url: '/v1/chat/completions' })
    expect(completion).toMatchObject({ model: 'MiniMax-M2', max_tokens: 1 })
  })

  it('401: the key is rejected — and never printed', async () => {
    handler = (_req, res) => json(res, 401, { error: { message: `Incorrect API key provided: ${KEY}`, type: 'invalid_request_error', code: 'invalid_api_key' } })
    const [f] = await run()
    expect(f).toMatchObject({ status: 'fail', message: expect.stringContaining('the provider rejected the API key') })
    expect(f!.remediation).toContain('$LLM_API_KEY')
    expect(JSON.stringify(f)).not.toContain(KEY)
  })

  it('429 insufficient_quota is a billing problem; plain 429 is a rate limit with Retry-After', async () => {
    handler = (_req, res) => json(res, 429, { error: { message: 'You exceeded your current quota', type: 'insufficient_quota', code: 'insufficient_quota' } })
    const [quota] = await run()
    expect(quota).toMatchObject({ status: 'fail', message: expect.stringContaining("the account's quota is exhausted") })
    handler = (_req, res) => json(res, 429, { error: { message: 'Rate limit reached', code: 'rate_limit_exceeded' } }, { 'retry-after': '7' })
    const [limited] = await run()
    expect(limited).toMatchObject({ status: 'fail', message: expect.stringContaining('rate limited right now'), evidence: expect.objectContaining({ retryAfter: '7' }) })
  })

  it('5xx: the provider is failing; suggests the fallback', async () => {
    handler = (_req, res) => json(res, 503, { error: { message: 'overloaded' } })
    const [f] = await run()
    expect(f).toMatchObject({ status: 'fail', message: expect.stringContaining('the provider is failing'), remediation: expect.stringContaining('fallback') })
  })
})
