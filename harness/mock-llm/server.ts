import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { getResponse, type HttpHandler } from 'msw'
import { MockLlmEngine, type ScenarioState } from './engine.js'
import { mockLlmHandlers } from './handlers.js'
import { formatAt } from './formats/index.js'
import { attachRaw, preparedAnswer } from './wire.js'
import type { MockLlmStats } from './stats.js'
import type { MockLlmOptions } from './types.js'

export interface MockLlmServer {
  /** http://127.0.0.1:PORT */
  url: string
  /** url + '/v1': what an OpenAI client's baseURL should be. */
  baseUrl: string
  port: number
  setScenario(name: string, params?: Record<string, unknown>): ScenarioState
  stats(marker?: string): MockLlmStats
  reset(): ScenarioState
  close(): Promise<void>
  readonly engine: MockLlmEngine
}

/** Serves the mock's msw handlers over node:http (msw's getResponse; @mswjs/http-middleware is broken with msw 3). */
export async function startMockLlmServer(options: MockLlmOptions = {}): Promise<MockLlmServer> {
  const engine = new MockLlmEngine(options)
  const handlers = mockLlmHandlers(engine)
  const direct = options.hotPath !== 'msw'
  const host = options.host ?? '127.0.0.1'
  let origin = ''
  const server = createServer((req, res) => {
    serve(engine, handlers, direct, origin, req, res).catch((error: unknown) => fail(res, error))
  })
  // Load tests open many connections; keep them alive between requests like a real provider.
  server.keepAliveTimeout = 65_000
  await listen(server, options.port ?? 0, host)
  const port = (server.address() as AddressInfo).port
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`
  origin = url
  return {
    url,
    baseUrl: `${url}/v1`,
    port,
    engine,
    setScenario: (name, params) => engine.setScenario(name, params),
    stats: (marker) => engine.stats(marker),
    reset: () => engine.reset(),
    close: () => close(server, engine),
  }
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
}

async function close(server: Server, engine: MockLlmEngine): Promise<void> {
  engine.close()
  const closed = new Promise<void>((resolve) => server.close(() => resolve()))
  // Hanging calls and idle keep-alive sockets would otherwise hold close() open.
  server.closeAllConnections()
  await closed
}

// Far above any real prompt; a runaway client must not take the mock's memory.
const MAX_BODY_BYTES = 32 * 1024 * 1024

class BodyTooLarge extends Error {}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_BODY_BYTES) {
        req.removeAllListeners('data')
        req.resume()
        reject(new BodyTooLarge())
      } else chunks.push(chunk)
    })
    req.once('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)))
    req.once('error', reject)
  })
}

async function serve(engine: MockLlmEngine, handlers: HttpHandler[], direct: boolean, origin: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const arrived = Date.now()
  const method = req.method ?? 'GET'
  const body = method === 'GET' || method === 'HEAD' ? undefined : await readBody(req)
  // The hot paths call what the format handlers call, engine.complete(): msw's per-request
  // bookkeeping (a Request clone, an AbortController and a DOMException per handler run) cost
  // ~2.7x the CPU of the whole mock. Everything else, and everything with hotPath 'msw', goes
  // through msw's getResponse.
  const query = req.url!.indexOf('?')
  const format = direct && method === 'POST' ? formatAt(query < 0 ? req.url! : req.url!.slice(0, query)) : undefined
  const anthropic = req.headers['anthropic-version']
  const response = format
    ? await engine.complete(format, body ? body.toString('utf8') : '', () => clientGone(res), arrived)
    : // Bodyless on purpose: the body and signal travel beside it (see wire.ts).
      await getResponse(handlers, attachRaw(new Request(origin + req.url, { method, headers: anthropic ? { 'anthropic-version': String(anthropic) } : undefined }), { body, get signal() { return clientGone(res) } }))
  if (!response) {
    // The handlers end with a catch-all; this is only for a request URL msw cannot parse.
    const ready = preparedAnswer(engine.unserved(method, req.url ?? '/', anthropic !== undefined))!
    res.writeHead(ready.status, ready.headers).end(ready.body)
    return
  }
  // Response.error() means "drop the connection": a TCP reset, which clients see as ECONNRESET.
  if (response.type === 'error') return resetSocket(req)
  const ready = preparedAnswer(response)
  if (ready) {
    res.writeHead(ready.status, ready.headers).end(ready.body)
    return
  }
  const headers: Record<string, string> = {}
  response.headers.forEach((value, key) => (headers[key] = value))
  if (!response.body) {
    res.writeHead(response.status, headers).end()
    return
  }
  if (!headers['content-type']?.startsWith('text/event-stream')) {
    res.writeHead(response.status, headers).end(Buffer.from(await response.arrayBuffer()))
    return
  }
  res.writeHead(response.status, headers)
  res.flushHeaders()
  const reader = response.body.getReader()
  res.once('close', () => void reader.cancel().catch(() => {}))
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      res.write(value)
    }
    res.end()
  } catch {
    // The stream failed mid-way (connection-reset midStream). A FIN, not a RST: a RST would make
    // the client's kernel drop the tokens already sent, and the point is a stream cut short.
    if (!res.destroyed) await new Promise<void>((resolve) => res.write('', () => resolve()))
    req.socket.destroy()
  }
}

/** A signal that aborts when the client disconnects before the answer is complete (created on demand). */
const gone = new WeakMap<ServerResponse, AbortController>()
function clientGone(res: ServerResponse): AbortSignal {
  let abort = gone.get(res)
  if (abort) return abort.signal
  gone.set(res, (abort = new AbortController()))
  if ((res.closed || res.destroyed) && !res.writableFinished) abort.abort()
  else res.once('close', () => !res.writableFinished && abort.abort())
  return abort.signal
}

function resetSocket(req: IncomingMessage): void {
  const socket = req.socket
  if (socket.destroyed) return
  if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy()
  else socket.destroy()
}

function fail(res: ServerResponse, error: unknown): void {
  if (res.headersSent || res.destroyed) {
    res.destroy()
    return
  }
  if (error instanceof BodyTooLarge) {
    res.writeHead(413, { 'content-type': 'application/json', connection: 'close' })
    res.end(JSON.stringify({ error: { message: `Request body larger than ${MAX_BODY_BYTES} bytes.`, type: 'invalid_request_error', param: null, code: null } }))
    return
  }
  const message = error instanceof Error ? error.message : String(error)
  res.writeHead(500, { 'content-type': 'application/json' })
  res.end(JSON.stringify({ error: { message: `mock-llm internal error: ${message}`, type: 'server_error', param: null, code: null } }))
}
