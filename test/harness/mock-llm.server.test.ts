import { createServer, type Server, type Socket } from 'node:net'
import OpenAI from 'openai'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { MockLlmControl, MockLlmControlError, startMockLlmServer, type MockLlmServer } from '../../harness/index.js'
import { client } from './modes.js'

const user = (content: string) => [{ role: 'user' as const, content }]

describe('mock LLM server: control API and connection handling', () => {
  let server: MockLlmServer
  let control: MockLlmControl

  beforeAll(async () => {
    server = await startMockLlmServer({ port: 0 })
    control = new MockLlmControl(server.url)
  })
  afterAll(() => server.close())
  beforeEach(async () => {
    await control.reset()
  })

  it('serves /health and the control API over HTTP through MockLlmControl', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(server.baseUrl).toBe(`${server.url}/v1`)
    expect(await control.ping()).toBe(true)
    await control.ready(1_000)
    expect((await control.scenarios()).map((s) => s.name)).toContain('tool-loop')
    expect(await control.setScenario('rate-limited', { retryAfterMs: 250, model: 'gpt-4o' })).toEqual({ name: 'rate-limited', params: { retryAfterMs: 250, model: 'gpt-4o' } })
    await client(server.baseUrl).chat.completions.create({ model: 'gpt-4o-mini', messages: user('hi') })
    const stats = await control.stats()
    expect(stats.scenario.name).toBe('rate-limited')
    expect(stats.total).toBe(1)
    expect(stats.calls[0]).toMatchObject({ seq: 1, model: 'gpt-4o-mini', scenario: 'healthy', outcome: 'ok', status: 200, stream: false })
    expect(stats.calls[0]!.endT).toBeGreaterThanOrEqual(stats.calls[0]!.t)
    expect(await control.reset()).toEqual({ name: 'healthy', params: {} })
    expect((await control.stats()).total).toBe(0)
  })

  it('rejects unknown scenarios and params with 400 and the valid names', async () => {
    const error = await control.setScenario('chaos-monkey').catch((e) => e)
    expect(error).toBeInstanceOf(MockLlmControlError)
    expect(error.status).toBe(400)
    expect(error.validScenarios).toContain('connection-reset')
    expect(error.message).toMatch(/unknown scenario "chaos-monkey"; valid: healthy/)
    const bad = await control.setScenario('error-storm', { status: 418 }).catch((e) => e)
    expect(bad.message).toMatch(/invalid params for scenario "error-storm": status/)
    const response = await fetch(`${server.url}/__mock/scenario`, { method: 'PUT', body: 'not json' })
    expect(response.status).toBe(400)
  })

  it('answers unknown paths and invalid bodies in OpenAI error shape', async () => {
    const missing = await fetch(`${server.url}/v1/embeddings`, { method: 'POST', body: '{}' })
    expect(missing.status).toBe(404)
    expect((await missing.json()).error.type).toBe('invalid_request_error')
    const garbage = await fetch(`${server.baseUrl}/chat/completions`, { method: 'POST', body: '{oops' })
    expect(garbage.status).toBe(400)
    const noModel = await fetch(`${server.baseUrl}/chat/completions`, { method: 'POST', body: JSON.stringify({ messages: user('hi') }) })
    expect((await noModel.json()).error).toEqual({ message: 'you must provide a model parameter', type: 'invalid_request_error', param: 'model', code: null })
    const badTool = await fetch(`${server.baseUrl}/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'm', messages: user('hi'), tools: [{ type: 'function' }] }) })
    expect((await badTool.json()).error.param).toBe('tools[0].function.name')
    const badMessage = await fetch(`${server.baseUrl}/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'm', messages: [null] }) })
    expect(badMessage.status).toBe(400)
    expect(server.stats().byOutcome).toEqual({ 'bad-request': 4 })
  })

  it('frees a hanging request when the client disconnects, and close() does not wait for hangs', async () => {
    server.setScenario('hang')
    await expect(fetch(`${server.baseUrl}/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'm', messages: user('hi') }), signal: AbortSignal.timeout(150) })).rejects.toThrow()
    await expect.poll(() => server.stats().calls[0]?.endT, { timeout: 2_000 }).toBeDefined()
    expect(server.stats().calls[0]!.outcome).toBe('hang')
    const other = await startMockLlmServer({ port: 0, scenario: 'hang' })
    const pending = fetch(`${other.baseUrl}/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'm', messages: user('hi') }) })
    await expect.poll(() => other.stats().total).toBe(1)
    const started = Date.now()
    await other.close()
    expect(Date.now() - started).toBeLessThan(1_000)
    await expect(pending).rejects.toThrow()
  })

  it('stops a paced stream when the client goes away (no timers left running)', async () => {
    server.setScenario('slow', { ttftMs: 10, interTokenMs: 200 })
    const abort = new AbortController()
    const stream = await client(server.baseUrl).chat.completions.create({ model: 'm', messages: user('a reasonably long question about retries and backoff'), stream: true }, { signal: abort.signal })
    for await (const _chunk of stream) {
      abort.abort()
      break
    }
    await expect.poll(() => server.stats().calls[0]?.endT, { timeout: 2_000 }).toBeDefined()
    expect(server.stats().calls[0]!.durationMs).toBeLessThan(1_000)
  })

  it('connection-reset midStream breaks a stream after some tokens', async () => {
    server.setScenario('connection-reset', { midStream: true })
    const stream = await client(server.baseUrl).chat.completions.create({ model: 'm', messages: user('tell me a story about a resilient agent'), stream: true })
    const seen: string[] = []
    const error = await (async () => {
      for await (const chunk of stream) seen.push(chunk.choices[0]?.delta.content ?? '')
    })().catch((e) => e)
    expect(error).toBeInstanceOf(Error)
    expect(seen.length).toBeGreaterThan(0)
  })

  it('serves the script fixtures and applies --latency as a base latency', async () => {
    const scripted = await startMockLlmServer({ port: 0, latency: [60, 80], scripts: [{ match: 'refund', replies: [{ tool_calls: [{ name: 'sql_query', arguments: { query: 'SELECT 1' } }] }, { content: 'Refund approved.' }] }] })
    try {
      const llm = client(scripted.baseUrl)
      const started = Date.now()
      const first = await llm.chat.completions.create({ model: 'm', messages: user('I want a refund') })
      expect(Date.now() - started).toBeGreaterThanOrEqual(55)
      const call = first.choices[0]!.message.tool_calls![0]! as OpenAI.ChatCompletionMessageFunctionToolCall
      expect(call.function).toEqual({ name: 'sql_query', arguments: '{"query":"SELECT 1"}' })
      const second = await llm.chat.completions.create({ model: 'm', messages: [...user('I want a refund'), first.choices[0]!.message, { role: 'tool', tool_call_id: call.id, content: 'ok' }] })
      expect(second.choices[0]!.message.content).toBe('Refund approved.')
    } finally {
      await scripted.close()
    }
  })
})

describe('MockLlmControl against a dead or silent mock', () => {
  let silent: Server
  let silentPort = 0
  const sockets = new Set<Socket>()

  beforeAll(async () => {
    // Accepts connections and never answers: every control call must still end on its timeout.
    silent = createServer((socket) => sockets.add(socket))
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    silentPort = (silent.address() as { port: number }).port
  })
  afterAll(async () => {
    for (const socket of sockets) socket.destroy()
    await new Promise<void>((resolve) => silent.close(() => resolve()))
  })

  it('times out instead of hanging, and ping reports false', async () => {
    const control = new MockLlmControl(`http://127.0.0.1:${silentPort}/v1`, 200)
    expect(control.url).toBe(`http://127.0.0.1:${silentPort}`)
    const started = Date.now()
    await expect(control.stats()).rejects.toThrow(/unreachable .*no answer within 200ms/)
    expect(await control.ping()).toBe(false)
    expect(Date.now() - started).toBeLessThan(1_500)
    await expect(control.ready(300)).rejects.toThrow(/not ready after 300ms/)
  })

  it('reports a refused connection clearly', async () => {
    const probe = createServer()
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
    const port = (probe.address() as { port: number }).port
    await new Promise<void>((resolve) => probe.close(() => resolve()))
    await expect(new MockLlmControl(`http://127.0.0.1:${port}`, 500).reset()).rejects.toBeInstanceOf(MockLlmControlError)
  })
})
