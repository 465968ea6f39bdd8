import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openProtocol, ProtocolSetupError } from './index.js'
import { sendChat } from './send.js'

const AGENT_TRACE = '0af7651916cd43dd8448eb211c80319c'
let server: Server
let url = ''
const seen: { path: string; headers: IncomingMessage['headers']; body: string }[] = []

function route(req: IncomingMessage, res: ServerResponse, body: string) {
  seen.push({ path: req.url ?? '', headers: req.headers, body })
  switch (req.url) {
    case '/fast-400':
      return res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":{"message":"messages: Required"}}')
    case '/traced':
      // An agent that continues its own trace rather than the caller's says so in traceresponse.
      return res.writeHead(200, { 'content-type': 'application/json', traceresponse: `00-${AGENT_TRACE}-b7ad6b7169203331-01` }).end('{"response":"hi"}')
    case '/malformed-traceresponse':
      return res.writeHead(200, { 'content-type': 'application/json', traceresponse: '00-zz-b7ad6b7169203331-01' }).end('{"response":"hi"}')
    case '/hang':
      return // never answers
    case '/api/chat': {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'x-vercel-ai-ui-message-stream': 'v1' })
      res.write('data: {"type":"start"}\n\ndata: {"type":"text-delta","id":"0","delta":"Hel"}\n\n')
      setTimeout(() => res.end('data: {"type":"text-delta","id":"0","delta":"lo"}\n\ndata: [DONE]\n\n'), 50)
      return
    }
    case '/.well-known/agent-card.json':
      return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ name: 'Echo', supportedInterfaces: [{ url: `${url}/a2a`, protocolBinding: 'JSONRPC', protocolVersion: '1.0' }] }))
    case '/a2a': {
      const rpc = JSON.parse(body)
      return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: rpc.id, result: { task: { contextId: 'ctx-1', status: { state: 'TASK_STATE_FAILED' } } } }))
    }
    default:
      return res.writeHead(404).end()
  }
}

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = ''
    req.on('data', (c) => (body += c))
    req.on('end', () => route(req, res, body))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => {
  server.closeAllConnections()
  server.close()
})

describe('sendChat over real HTTP', () => {
  it('a fast 400 is that status at once, never a timeout', async () => {
    const p = await openProtocol('agentctl', { url, chatPath: '/fast-400' })
    const r = await sendChat(p, { message: 'x' }, { timeoutMs: 30_000 })
    expect(r.outcome).toEqual({ kind: 'http-error', status: 400, detail: 'messages: Required' })
    expect(r.latencyMs).toBeLessThan(5_000)
  })
  it('starts a fresh W3C trace per chat and keeps its id; a traceresponse names the trace that wins', async () => {
    const p = await openProtocol('agentctl', { url, chatPath: '/malformed-traceresponse' })
    const a = await sendChat(p, { message: 'x' }, { timeoutMs: 5000 })
    const sent = String(seen.at(-1)!.headers.traceparent)
    expect(sent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/)
    expect(a.traceId).toBe(sent.split('-')[1]) // a malformed traceresponse is ignored
    const b = await sendChat(p, { message: 'x' }, { timeoutMs: 5000 })
    expect(b.traceId).not.toBe(a.traceId)
    const traced = await sendChat(await openProtocol('agentctl', { url, chatPath: '/traced' }), { message: 'x' }, { timeoutMs: 5000 })
    expect(traced.traceId).toBe(AGENT_TRACE)
  })
  it('a silent agent is a timeout after the deadline', async () => {
    const p = await openProtocol('agentctl', { url, chatPath: '/hang' })
    const r = await sendChat(p, { message: 'x' }, { timeoutMs: 300 })
    expect(r.outcome).toEqual({ kind: 'timeout', afterMs: 300 })
  })
  it('a refused connection is a network outcome', async () => {
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const port = (closed.address() as AddressInfo).port
    await new Promise((resolve) => closed.close(resolve))
    const p = await openProtocol('agentctl', { url: `http://127.0.0.1:${port}`, chatPath: '/chat' })
    expect((await sendChat(p, { message: 'x' }, { timeoutMs: 2000 })).outcome).toEqual({ kind: 'network', code: 'ECONNREFUSED' })
  })
  it('streams an AI SDK answer incrementally (TTFT before the end) and names the framework', async () => {
    const p = await openProtocol('ai-sdk', { url, chatPath: '/api/chat' })
    const r = await sendChat(p, { message: 'x' }, { timeoutMs: 5000 })
    expect(r.outcome).toMatchObject({ kind: 'answer', text: 'Hello' })
    expect(r.ttftMs).toBeLessThan(r.latencyMs)
    expect(r.framework).toBe('ai-sdk')
  })
  it('discovers an A2A agent through its card and reads a failed task inside a 200 as an in-band error', async () => {
    const p = await openProtocol('a2a', { url, chatPath: '/chat' })
    expect(p.discovery).toMatchObject({ endpoint: `${url}/a2a`, binding: 'JSONRPC 1.0', name: 'Echo' })
    const r = await sendChat(p, { message: 'x', marker: 'test-a2a' }, { timeoutMs: 5000 })
    expect(r.status).toBe(200)
    expect(r.outcome).toMatchObject({ kind: 'in-band-error', session: 'ctx-1' })
    expect(seen.at(-1)!.headers['a2a-version']).toBe('1.0')
  })
  it('a missing agent card is a setup error naming the URL and the fix', async () => {
    const err = await openProtocol('a2a', { url: `${url}/nowhere/`, chatPath: '/chat', cardPath: '/missing-card.json' }).catch((e) => e)
    expect(err).toBeInstanceOf(ProtocolSetupError)
    expect(err.message).toMatch(/missing-card\.json answered HTTP 404/)
  })
})
