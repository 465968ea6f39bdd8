/**
 * How a non-streaming LLM request leaves the process.
 *
 * The contract: the client looks `globalThis.fetch` up at call time, so msw, test doubles and
 * instrumentation that patch fetch see every request, even when installed after the agent started.
 * While that fetch is still Node's own, nothing is watching it, and the same request is sent with
 * `undici.request` on the same global dispatcher (so `setGlobalDispatcher` proxies and MockAgents
 * still apply). That costs about a quarter of the CPU of fetch per call (bench/fetch-vs-request.mjs:
 * 212 against 49 µs), and two calls per chat made fetch ~20% of the agent's CPU.
 * Streaming requests always use fetch: the SSE reader works on a web Response.
 */
import { STATUS_CODES } from 'node:http'
import { getGlobalDispatcher, request } from 'undici'

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
  const { statusCode, headers, body } = await request(url, { method: 'POST', headers: init.headers, body: init.body, signal: init.signal, dispatcher: getGlobalDispatcher() })
  return {
    status: statusCode,
    statusText: STATUS_CODES[statusCode] ?? '',
    header: (name) => {
      const value = headers[name.toLowerCase()]
      return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value
    },
    json: () => body.json(),
    text: () => body.text(),
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
