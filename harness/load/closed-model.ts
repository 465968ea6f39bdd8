import { performance } from 'node:perf_hooks'
import type { EngineOptions } from './driver.js'
import type { Recorder } from './recorder.js'
import type { Turn } from './workload.js'

/**
 * The closed model on autocannon: `connections` virtual users, each sending its next request as
 * soon as the previous one answered. The server sets the pace, so latency is honest (measured
 * from the actual send) but the rate is an outcome, not an input. Warm-up requests are filtered
 * by the recorder (they start before `measureFrom`). Requests still in flight when the window
 * ends belong to it: the run waits for them (up to the timeout) like the open model's drain, so a
 * hung or slow agent shows up as timeouts or latency instead of as an empty, passing window.
 */
export async function runClosedModel(opts: EngineOptions, recorder: Recorder): Promise<{ aborted: boolean }> {
  const { default: autocannon } = await import('autocannon')
  const first = opts.workload.next()
  // A fixed request lets autocannon pre-build one buffer (its fastest path); rotating bodies and
  // sessions rebuild per request through setupRequest.
  const dynamic = first.spec.body !== undefined && opts.workload.options.body === undefined
  type Ctx = { turn?: Turn }
  const request: Record<string, unknown> = { method: first.spec.method, path: first.spec.path, headers: first.spec.headers, body: first.spec.body }
  if (dynamic) {
    let pending: Turn | undefined = first
    request.setupRequest = (req: Record<string, unknown>, context: Ctx) => {
      const turn = pending ?? opts.workload.next()
      pending = undefined
      context.turn = turn
      return { ...req, method: turn.spec.method, path: turn.spec.path, headers: turn.spec.headers, body: turn.spec.body }
    }
  }
  // autocannon calls onResponse with the whole body right before it emits 'response' for the same
  // request (lib/httpClient.js kOnMessageComplete), so the classification is handed over in `last`.
  let last: Classified | undefined
  const protocol = opts.protocol
  if (dynamic || opts.wantBody || protocol) {
    request.onResponse = (status: number, body: string, context: Ctx, headers: Record<string, unknown>) => {
      const outcome = protocol ? protocol.parse(status, lowerCaseKeys(headers), body) : undefined
      last = outcome ? { ok: outcome.kind === 'answer', status: outcome.kind === 'answer' || outcome.kind === 'http-error' ? String(status) : outcome.kind } : undefined
      const ok = last?.ok ?? status < 400
      const session = outcome && 'session' in outcome ? outcome.session : undefined
      if (context.turn) opts.workload.complete(context.turn, ok, body, session)
      if (ok && outcome?.kind === 'answer' && outcome.usage) opts.onUsage?.(outcome.usage)
      else if (ok && body && !protocol && opts.onBody) opts.onBody(body)
    }
  }

  let aborted = false
  // autocannon's timeout is in whole seconds: the real one, used to date a timed-out request.
  const timeoutS = Math.max(1, Math.ceil(opts.timeoutMs / 1000))
  // Started before autocannon builds its clients, which send their first request at once.
  recorder.start(performance.now())
  recorder.countOutstandingWarmup = true
  await new Promise<void>((resolve, reject) => {
    const instance = autocannon(
      {
        url: opts.origin,
        connections: opts.connections,
        // A bound only: the drain below stops it as soon as the window's requests have ended. The
        // extra second lets a request sent just before the window end reach its timeout.
        duration: (opts.warmupMs + opts.durationMs) / 1000 + timeoutS + 1,
        timeout: timeoutS,
        requests: [request as never],
        // Our recorder keeps the histograms; autocannon's aggregate would be computed for nothing.
        skipAggregateResult: true,
        // autocannon stops on its sampling tick: 100 ms instead of 1 s keeps the run close to the plan.
        sampleInt: 100,
      },
      (error) => (error ? reject(error) : resolve()),
    )
    const drain = drainAfterWindow(recorder, opts.connections, () => instance.stop())
    instance.on('response', ((client: object, statusCode: number, _bytes: number, responseTime: number) => {
      const now = performance.now()
      // With a protocol, success is an answer, classified from content: a 200 carrying an in-band
      // error (SSE error part, failed A2A task) is a failure, counted under its outcome kind.
      const { ok, status } = last ?? { ok: statusCode < 400, status: String(statusCode) }
      last = undefined
      recorder.record(now - responseTime, now, ok, status)
      drain(now, client)
    }) as never)
    instance.on('reqError', (error: NodeJS.ErrnoException) => {
      const now = performance.now()
      // A timeout fires timeoutS after the send: dated from there, it counts in the window it was
      // sent in. Other errors carry no send time; one that ends a user's in-window request during
      // the drain is dated at the window end so it still counts.
      const timedOut = error?.message === 'request timed out'
      const startedAt = timedOut ? now - timeoutS * 1000 : drain(now) ? Math.min(now, recorder.windowEnd) : now
      recorder.record(startedAt, now, false, timedOut ? 'timeout' : (error?.code ?? 'error'))
      if (timedOut) drain(now)
    })
    const onAbort = () => {
      aborted = true
      instance.stop()
    }
    opts.signal?.addEventListener('abort', onAbort, { once: true })
    if (opts.signal?.aborted) onAbort()
  })
  return { aborted }
}

interface Classified {
  ok: boolean
  /** The status, or the outcome kind when a 2xx carried no answer (in-band-error, empty), as in the open model. */
  status: string
}

/** The adapters read lower-case header names (autocannon keeps the server's case). */
function lowerCaseKeys(headers: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers ?? {}).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v.join(', ') : String(v ?? '')]))
}

/**
 * Each virtual user has exactly one request in flight, so at the window end there are
 * `connections` requests that belong to the window (sent in it, or a warm-up request still
 * outstanding). A user's first completion after the window end is that request; once every user
 * has had one, `stop` is called and the run ends instead of idling until the timeout bound.
 * reqError names no client, so errors are counted (a user failing twice can stop the drain one
 * request early, never late). O(1) per response: one comparison inside the window. Returns true
 * for an event after the window end and before the drain completed.
 */
function drainAfterWindow(recorder: Recorder, connections: number, stop: () => void): (now: number, client?: object) => boolean {
  const done = new Set<object>()
  let errors = 0
  let stopped = false
  return (now, client) => {
    if (now <= recorder.windowEnd || stopped) return false
    if (client) done.add(client)
    else errors++
    if (done.size + errors >= connections) {
      stopped = true
      stop()
    }
    return true
  }
}
