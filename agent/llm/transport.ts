/**
 * How a non-streaming LLM request leaves the process.
 *
 * The contract: the client looks `globalThis.fetch` up at call time, so msw, test doubles and
 * instrumentation that patch fetch see every request, even when installed after the agent started.
 * While that fetch is still Node's own, nothing is watching it, and the same request goes straight
 * to undici's global dispatcher (so `setGlobalDispatcher` proxies and MockAgents still apply) with
 * the small buffering handler below. fetch cost about four times the CPU per call
 * (bench/fetch-vs-request.mjs) and two calls per chat made it ~20% of the agent's CPU.
 *
 * Why a handler of our own rather than `undici.request()`: request() wraps every call in a
 * handler object, a Readable and an AsyncResource, and under load what one call left behind
 * outlived it in the young generation: at 100 chats/s against a 250 ms mock, switching to this
 * handler cut the bytes each scavenge copied from ~20% to ~13% of the bytes allocated, and so the
 * scavenge pauses that made the agent's own time p99 (agent/README.md, "Latency").
 * Streaming requests always use fetch: the SSE reader works on a web Response.
 */
import { STATUS_CODES } from 'node:http'
import { type Dispatcher, getGlobalDispatcher } from 'undici'

/** The part of an HTTP answer the LLM client reads, whichever way it came. */
export interface HttpAnswer {
  status: number
  statusText: string
  header(name: string): string | null
  json(): Promise<unknown>
  text(): Promise<string>
  /** The web Response, when fetch carried the call (the SSE reader needs one). */
  response?: Response
}

export interface PostInit {
  headers: Record<string, string>
  body: string
  signal: AbortSignal
}

let builtin: typeof fetch | undefined

/**
 * Node's own fetch, recognised by its source text: a patched fetch (msw wraps it in an arrow
 * function) never matches, so it is always called. Remembered once seen, so the check is one
 * comparison per call. A fetch it does not recognise (another Node's wrapper, say) is simply
 * called: the slower path, never the wrong one.
 */
export function isBuiltinFetch(candidate: unknown): boolean {
  if (candidate === builtin) return builtin !== undefined
  if (typeof candidate !== 'function') return false
  const source = Function.prototype.toString.call(candidate)
  if (!source.startsWith('function fetch(input, init = undefined)') || !source.includes('fetchImpl')) return false
  builtin = candidate as typeof fetch
  return true
}

/** POSTs `init.body`; `viaFetch` forces fetch (a streaming call, read as a web Response). */
export async function postJson(url: string, init: PostInit, viaFetch = false): Promise<HttpAnswer> {
  const fetchNow = globalThis.fetch
  if (viaFetch || !isBuiltinFetch(fetchNow)) return fromResponse(await fetchNow(url, { method: 'POST', ...init }))
  const { origin, pathname, search } = new URL(url)
  return new Promise<HttpAnswer>((resolve, reject) => {
    const handler = new BufferingHandler(init.signal, resolve, reject)
    try {
      getGlobalDispatcher().dispatch({ origin, path: pathname + search, method: 'POST', headers: init.headers, body: init.body }, handler)
    } catch (error) {
      handler.onResponseError(undefined, error as Error)
    }
  })
}

/**
 * Collects one answer in memory (the LLM client parses it whole anyway) and settles once: with the
 * answer at its end, or with the error (a socket error as undici reports it, or the signal's reason
 * when the caller aborted). Its abort listener is removed either way: a long-lived signal does not
 * collect one per call.
 */
class BufferingHandler implements Dispatcher.DispatchHandler {
  private controller?: Dispatcher.DispatchController
  private chunks: Buffer[] = []
  private status = 0
  private headers: Record<string, string | string[] | undefined> = {}
  private readonly onAbort = () => this.controller?.abort(this.signal.reason)

  constructor(
    private readonly signal: AbortSignal,
    private readonly resolve: (answer: HttpAnswer) => void,
    private readonly reject: (error: Error) => void,
  ) {
    signal.addEventListener('abort', this.onAbort, { once: true })
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller
    if (this.signal.aborted) controller.abort(this.signal.reason)
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: Record<string, string | string[] | undefined>): void {
    if (statusCode < 200) return // an informational answer (100 Continue): the real one follows
    this.status = statusCode
    this.headers = headers
    this.chunks = []
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.chunks.push(chunk)
  }

  onResponseEnd(): void {
    const text = this.chunks.length === 1 ? this.chunks[0]!.toString('utf8') : Buffer.concat(this.chunks).toString('utf8')
    const { status, headers } = this
    this.finish()
    this.resolve({
      status,
      statusText: STATUS_CODES[status] ?? '',
      header: (name) => {
        const value = headers[name.toLowerCase()]
        return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value
      },
      // Parsed when asked, as undici's body.json() did: a malformed body fails there as a SyntaxError.
      json: async () => JSON.parse(text) as unknown,
      text: async () => text,
    })
  }

  onResponseError(_controller: Dispatcher.DispatchController | undefined, error: Error): void {
    this.finish()
    this.reject(error)
  }

  private finish(): void {
    this.signal.removeEventListener('abort', this.onAbort)
    this.controller = undefined
    this.chunks = []
  }
}

function fromResponse(response: Response): HttpAnswer {
  return {
    status: response.status,
    statusText: response.statusText,
    header: (name) => response.headers.get(name),
    json: () => response.json(),
    text: () => response.text(),
    response,
  }
}
