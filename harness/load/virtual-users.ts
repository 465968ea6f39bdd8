import { performance } from 'node:perf_hooks'
import type { EngineOptions } from './driver.js'
import { createPool } from './open-model.js'
import { errorCode, readResponse, recordAnswer } from './read-chat.js'
import type { Recorder } from './recorder.js'

/** The abort reason of a request cancelled by its own timeout (Ctrl-C aborts without one). */
const TIMED_OUT = Symbol('timed out')

/**
 * The closed model on an undici pool: `connections` virtual users, each sending a request, reading
 * its answer through the same reader as the open model (readResponse: classified by content
 * through the protocol, streams timed chunk by chunk), recording it, and sending the next one.
 * Used whenever a target protocol reads the answers (closed-model.ts says why autocannon keeps
 * plain HTTP); each request's answer is handled in its own user's continuation, so nothing is
 * handed over between callbacks.
 *
 * The semantics are autocannon's, made exact: latency from the actual send; warm-up requests
 * filtered by the recorder (they start before `measureFrom`), except one still outstanding when
 * the window closes; no user sends after the window end, and the requests in flight then belong
 * to the window: the run waits for each (up to its timeout, `timeoutMs` from its own send, to the
 * millisecond rather than autocannon's whole seconds) and ends when the last one has. Ctrl-C
 * cancels every request in flight; those are not the server's fault and are not recorded.
 */
export async function runVirtualUsers(opts: EngineOptions, recorder: Recorder): Promise<{ aborted: boolean }> {
  // Exactly one connection per user: a request never queues inside the pool, so its latency is
  // the server's. undici's own header/body timeouts (inactivity) never fire before ours (total),
  // and would count as timeouts too (errorCode).
  const pool = createPool(opts.origin, opts.connections, opts.timeoutMs)
  // Each user's current controller: aborted by its timeout (then replaced) or by Ctrl-C.
  const controllers = new Set<AbortController>()
  let aborted = false
  const onAbort = () => {
    aborted = true
    for (const controller of controllers) controller.abort()
  }

  const user = async () => {
    let controller = new AbortController()
    controllers.add(controller)
    while (!aborted && performance.now() <= recorder.windowEnd) {
      const turn = opts.workload.next()
      const { method, path, headers, body } = turn.spec
      const startedAt = performance.now()
      const own = controller
      const timer = setTimeout(() => own.abort(TIMED_OUT), opts.timeoutMs)
      try {
        const res = await pool.request({ origin: opts.origin, method: method as 'GET', path, headers, body, signal: own.signal })
        const read = await readResponse(res, opts.protocol, opts.wantBody)
        clearTimeout(timer)
        recordAnswer(opts, recorder, turn, startedAt, read)
      } catch (error) {
        clearTimeout(timer)
        opts.workload.complete(turn, false)
        if (aborted) break
        const timedOut = own.signal.aborted && own.signal.reason === TIMED_OUT
        recorder.record(startedAt, performance.now(), false, timedOut ? 'timeout' : errorCode(error as NodeJS.ErrnoException))
        if (own.signal.aborted) {
          // An aborted signal cannot be reused: the next request gets a fresh one.
          controllers.delete(own)
          controller = new AbortController()
          controllers.add(controller)
        }
      }
    }
  }

  opts.signal?.addEventListener('abort', onAbort, { once: true })
  if (opts.signal?.aborted) onAbort()
  try {
    // Started right before the first sends, so pool setup never eats the window.
    recorder.start(performance.now())
    // A warm-up request still outstanding when the window closes held its user for the whole
    // window: for a stalled agent it is the window's only evidence (Recorder.countOutstandingWarmup).
    recorder.countOutstandingWarmup = true
    await Promise.all(Array.from({ length: opts.connections }, user))
  } finally {
    opts.signal?.removeEventListener('abort', onAbort)
    await pool.destroy().catch(() => undefined)
  }
  return { aborted }
}
