/**
 * A side channel between the node:http adapter and the handlers, to keep the hot path lean.
 * The adapter hands over the raw body and the abort signal beside a bodyless Request (undici's
 * Request is slow to build with a body, headers and a signal, and msw clones it), and reads
 * a fully built answer (status, headers, body string) back instead of re-reading a Response's
 * Headers and body stream. In-process (msw setupServer) fetch's real Request carries the body
 * and signal, and the in-process handlers turn prepared answers into real Responses.
 */
interface RawRequest {
  body: Buffer | undefined
  /** May be a lazy getter: most calls never look at it. */
  readonly signal: AbortSignal
}

export interface PreparedAnswer {
  status: number
  headers: Record<string, string>
  body: string
}

const rawRequests = new WeakMap<Request, RawRequest>()
const prepared = new WeakMap<Response, PreparedAnswer>()

export function attachRaw(request: Request, raw: RawRequest): Request {
  rawRequests.set(request, raw)
  return request
}

export async function requestText(request: Request): Promise<string> {
  const raw = rawRequests.get(request)
  if (raw) return raw.body ? raw.body.toString('utf8') : ''
  return request.text()
}

export async function requestJson(request: Request): Promise<unknown> {
  return JSON.parse(await requestText(request))
}

export function requestSignal(request: Request): AbortSignal {
  return rawRequests.get(request)?.signal ?? request.signal
}

/**
 * A complete answer as a cheap placeholder Response: building a real one (a body stream plus
 * validated Headers) costs ~30x more and the node:http adapter would only take it apart again.
 * In-process handlers turn it into a real Response with `materialize`.
 */
export function answer(body: string, status: number, headers: Record<string, string>): Response {
  const response = new Response(null, { status })
  prepared.set(response, { status, headers, body })
  return response
}

/** The real Response for a placeholder (in-process mode, where fetch callers read it). */
export function materialize(response: Response): Response {
  const ready = prepared.get(response)
  return ready ? new Response(ready.body, { status: ready.status, headers: ready.headers }) : response
}

export function preparedAnswer(response: Response): PreparedAnswer | undefined {
  return prepared.get(response)
}
