import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startMockLlmServer, type MockLlmServer } from '../../harness/index.js'
import { ConfigSchema } from '../../src/config/schema.js'
import { runChecks } from '../../src/runner.js'
import { type HttpFaultServer, startHttpServer } from '../../test/support/fault-servers.js'
import { llmEndpointCheck } from './check.js'

const KEY = 'sk-ant-checkkey-0123456789'
let mock: MockLlmServer
let gateway: HttpFaultServer
let answer: (url: string, body: string) => [number, unknown]

beforeAll(async () => {
  mock = await startMockLlmServer({ port: 0, models: ['gpt-4o-mini', 'claude-sonnet-4-5'] })
  gateway = await startHttpServer((req, res) => {
    let body = ''
    req.on('data', (c) => (body += c))
    req.on('end', () => {
      const [status, json] = answer(req.url!, body)
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json))
    })
  })
})
afterAll(async () => {
  await mock.close()
  await gateway.close()
})

const run = (llm: Record<string, unknown>) => runChecks([llmEndpointCheck], { mode: 'diagnose', config: ConfigSchema.parse({ dependencies: { llm: { apiKey: KEY, ...llm } } }), timeoutMs: 2000 })
const MODELS: [number, unknown] = [200, { object: 'list', data: [{ id: 'gpt-4o-mini' }] }]

describe('llm-endpoint probes the API named by dependencies.llm.api', () => {
  it.each([
    ['chat', 'gpt-4o-mini', /POST \/chat\/completions \(max 1 output token\) → HTTP 200/],
    ['responses', 'gpt-4o-mini', /POST \/responses \(max 16 output tokens, the API minimum\) → HTTP 200/],
    ['messages', 'claude-sonnet-4-5', /POST \/messages \(max 1 output token\) → HTTP 200/],
  ] as const)('%s: passes against the mock, which saw exactly that API', async (api, model, message) => {
    mock.reset()
    const [f] = await run({ baseUrl: mock.baseUrl, api, model })
    expect(f).toMatchObject({ status: 'pass', message: expect.stringMatching(message) })
    expect(mock.stats().byApi).toEqual({ [api]: 1 })
    expect(mock.stats().calls[0]).toMatchObject({ api, method: 'POST', status: 200 })
    expect(JSON.stringify(f)).not.toContain(KEY)
  })

  it('names an unserved route: a chat-only gateway asked for the Responses API', async () => {
    answer = (url) => (url.endsWith('/models') ? MODELS : url.endsWith('/chat/completions') ? [200, { choices: [] }] : [404, { error: { message: 'Not Found', type: 'invalid_request_error' } }])
    const [f] = await run({ baseUrl: `${gateway.url}/v1`, api: 'responses', model: 'gpt-4o-mini' })
    expect(f).toMatchObject({ status: 'fail', message: expect.stringMatching(/^the provider does not serve POST \/responses \(POST \/responses .*HTTP 404.*\) — dependencies.llm.api is "responses"$/) })
    expect(f!.remediation).toContain('set dependencies.llm.api')
    expect(gateway.requests.at(-1)).toMatchObject({ method: 'POST', url: '/v1/responses' })
  })

  it('a 404 naming the model is the model, not the route', async () => {
    answer = (url) => (url.endsWith('/models') ? MODELS : [404, { type: 'error', error: { type: 'not_found_error', message: 'model: claude-typo' } }])
    const [f] = await run({ baseUrl: `${gateway.url}/v1`, api: 'messages', model: 'claude-typo' })
    expect(f).toMatchObject({ status: 'fail', message: expect.stringContaining('the provider does not know model "claude-typo"') })
    // Anthropic's auth: x-api-key and anthropic-version, never a Bearer header.
    expect(gateway.requests.at(-1)!.headers).toMatchObject({ 'x-api-key': KEY, 'anthropic-version': '2023-06-01' })
    expect(gateway.requests.at(-1)!.headers.authorization).toBeUndefined()
  })

  it('a 200 in another API\'s shape fails with what is missing', async () => {
    answer = (url) => (url.endsWith('/models') ? MODELS : [200, { id: 'chatcmpl-1', choices: [{ message: { content: 'p' } }] }])
    const [f] = await run({ baseUrl: `${gateway.url}/v1`, api: 'messages', model: 'gpt-4o-mini' })
    expect(f).toMatchObject({ status: 'fail', message: expect.stringContaining('but the body has no type "message", so not an Anthropic Messages answer') })
  })

  it('without a model it says the API call was not tried (warn, not pass)', async () => {
    answer = () => MODELS
    const [f] = await run({ baseUrl: `${gateway.url}/v1`, api: 'responses' })
    expect(f).toMatchObject({ status: 'warn', message: expect.stringContaining('the POST /responses call the agent makes was not tried') })
  })

  it('Anthropic 402 billing_error is the quota, not a rate limit', async () => {
    answer = () => [402, { type: 'error', error: { type: 'billing_error', message: 'Your credit balance is too low' } }]
    const [f] = await run({ baseUrl: `${gateway.url}/v1`, api: 'messages', model: 'claude-sonnet-4-5' })
    expect(f).toMatchObject({ status: 'fail', message: expect.stringContaining("the account's quota is exhausted") })
  })
})
