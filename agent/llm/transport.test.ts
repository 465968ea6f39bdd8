/**
 * The LLM transport must never bypass a patched fetch (msw, test doubles): only Node's own fetch
 * is swapped for a direct dispatch on undici's global dispatcher. The user-agent header tells the
 * two paths apart on the wire: Node's fetch sends one, the dispatch does not.
 */
import { getEventListeners } from 'node:events'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createMockLlm } from '../../harness/index.js'
import { isBuiltinFetch, postJson } from './transport.js'

let server: Server
let url: string
const seen: IncomingHttpHeaders[] = []

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(req.headers)
    req.resume()
    req.on('end', () => {
      if (req.headers['x-test'] === 'hang') return // never answers: the caller aborts
      const limited = req.headers['x-test'] === '429'
      res.writeHead(limited ? 429 : 200, { 'content-type': 'application/json', ...(limited ? { 'retry-after-ms': '150' } : {}) })
      res.end(JSON.stringify(limited ? { error: { code: 'rate_limit_exceeded' } } : { choices: [{ message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }] }))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/chat/completions`
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

const init = (extra: Record<string, string> = {}) => ({ headers: { 'content-type': 'application/json', ...extra }, body: '{"model":"m","messages":[]}', signal: new AbortController().signal })

describe('LLM transport', () => {
  it("recognises Node's own fetch, and not a wrapper around it", () => {
    expect(isBuiltinFetch(globalThis.fetch)).toBe(true)
    expect(isBuiltinFetch((input: string, options?: RequestInit) => globalThis.fetch(input, options))).toBe(false)
    expect(isBuiltinFetch(undefined)).toBe(false)
  })

  it('with the built-in fetch, dispatches directly: same answer, headers and body readable', async () => {
    const answer = await postJson(url, init())
    expect(answer.status).toBe(200)
    expect(answer.header('Content-Type')).toBe('application/json')
    expect(await answer.json()).toMatchObject({ choices: [{ finish_reason: 'stop' }] })
    expect(seen.at(-1)!['user-agent']).toBeUndefined()

    const limited = await postJson(url, init({ 'x-test': '429' }))
    expect(limited.status).toBe(429)
    expect(limited.statusText).toBe('Too Many Requests')
    expect(limited.header('retry-after-ms')).toBe('150')
    expect(await limited.text()).toContain('rate_limit_exceeded')
  })

  it('leaves no listener on the caller signal, answered or aborted', async () => {
    const answered = init()
    await (await postJson(url, answered)).json()
    expect(getEventListeners(answered.signal, 'abort')).toHaveLength(0)

    const controller = new AbortController()
    const pending = postJson(url, { ...init({ 'x-test': 'hang' }), signal: controller.signal })
    setTimeout(() => controller.abort(new Error('the chat was cancelled')), 50)
    await expect(pending).rejects.toThrow('the chat was cancelled')
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0)

    const early = new AbortController()
    early.abort(new Error('cancelled before sending'))
    await expect(postJson(url, { ...init(), signal: early.signal })).rejects.toThrow('cancelled before sending')
  })

  it('a refused connection fails with the socket error code the client classifies', async () => {
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const port = (closed.address() as AddressInfo).port
    await new Promise<void>((resolve) => closed.close(() => resolve()))
    await expect(postJson(`http://127.0.0.1:${port}/v1/chat/completions`, init())).rejects.toMatchObject({ code: 'ECONNREFUSED' })
  })

  it('a patched fetch is called, at call time', async () => {
    const original = globalThis.fetch
    let calls = 0
    globalThis.fetch = (input, options) => {
      calls++
      return original(input, options)
    }
    try {
      expect((await postJson(url, init())).status).toBe(200)
      expect(calls).toBe(1)
      expect(seen.at(-1)!['user-agent']).toBe('node')
    } finally {
      globalThis.fetch = original
    }
  })

  it("msw's patched fetch is never mistaken for the built-in: the in-process mock answers", async () => {
    const mock = createMockLlm()
    mock.listen()
    try {
      expect(isBuiltinFetch(globalThis.fetch)).toBe(false)
      const answer = await postJson(`${mock.baseUrl}/chat/completions`, { ...init(), body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }) })
      expect(answer.status).toBe(200)
      expect(mock.stats().total).toBe(1)
    } finally {
      mock.close()
    }
    expect(isBuiltinFetch(globalThis.fetch)).toBe(true)
  })
})
