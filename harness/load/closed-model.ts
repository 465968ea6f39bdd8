import { performance } from 'node:perf_hooks'
import type { EngineOptions } from './driver.js'
import type { Recorder } from './recorder.js'
import { runVirtualUsers } from './virtual-users.js'
import type { Turn } from './workload.js'

/**
 * The closed model: `connections` virtual users, each sending its next request as soon as the
 * previous one answered. The server sets the pace, so latency is honest (measured from the actual
 * send) but the rate is an outcome, not an input. Warm-up requests are filtered by the recorder
 * (they start before `measureFrom`). Requests still in flight when the window ends belong to it:
 * the run waits for them (up to the timeout) like the open model's drain, so a hung or slow agent
 * shows up as timeouts or latency instead of as an empty, passing window.
 *
 * Two engines, one semantics. With a target protocol (a chat load: answers judged by content,
 * streams timed) the users run on undici (virtual-users.ts) and read each answer through the
 * reader the open model and the capacity search use (read-chat.ts), so nothing is handed over
 * between autocannon's onResponse and its 'response' event. Plain HTTP (a fixed or rotating body,
 * GET, no protocol) stays on autocannon, on purpose: it is the faster generator, and a
 * `--method GET --path /health --connections 100` run is about generator speed. Measured
 * in-process on one core (taskset, client and a trivial node:http loopback server on the same
 * thread, 32 users, 2 s window), autocannon drove 19 500 req/s and the undici engine 6 800 req/s:
 * below the 10k req/s it had to keep to replace autocannon. A chat load never needs that rate (an
 * LLM agent answers tens to hundreds of chats per second) and needs content and stream timing,
 * which autocannon's callbacks cannot give without that handover.
 */
export async function runClosedModel(opts: EngineOptions, recorder: Recorder): Promise<{ aborted: boolean }> {
  return opts.protocol ? runVirtualUsers(opts, recorder) : runAutocannon(opts, recorder)
}

/**
 * Plain HTTP (no protocol: a fixed body, rotating {message} bodies or sessions, GET) on autocannon.
 * Success is a status below 400, which autocannon's 'response' event carries itself; a body is
 * only read (onResponse) to continue a session or for the cost.
 */
async function runAutocannon(opts: EngineOptions, recorder: Recorder): Promise<{ aborted: boolean }> {
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
  if (dynamic || opts.wantBody) {
    request.onResponse = (status: number, body: string, context: Ctx) => {
      const ok = status < 400
      if (context.turn) opts.workload.complete(context.turn, ok, body)
      if (ok && body) opts.onBody?.(body)
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
      recorder.record(now - responseTime, now, statusCode < 400, String(statusCode))
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
