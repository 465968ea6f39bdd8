/**
 * A signal that aborts after `ms`, or as soon as `parent` aborts, with `dispose()` to release the
 * timer and the parent listener the moment the guarded work is done.
 *
 * Why not `AbortSignal.any([AbortSignal.timeout(ms), parent])`: a chat makes several (the request,
 * each LLM attempt, each tool call), and each costs weak references, finalization tracking and a
 * timer that lives until it fires. Under load that showed in the agent's CPU and GC profiles. This
 * is one controller, one timer and one listener, all released by `dispose()`.
 */
export interface Deadline {
  readonly signal: AbortSignal
  /** True when the timer (not the parent) aborted the signal. */
  readonly timedOut: boolean
  dispose(): void
}

export function deadline(ms: number, parent?: AbortSignal): Deadline {
  const controller = new AbortController()
  let timedOut = false
  const onParentAbort = () => controller.abort(parent!.reason)
  const timer = setTimeout(() => {
    timedOut = true
    controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError'))
  }, ms)
  timer.unref() // like AbortSignal.timeout: a pending deadline alone never keeps the process alive
  if (parent?.aborted) onParentAbort()
  else parent?.addEventListener('abort', onParentAbort, { once: true })
  return {
    signal: controller.signal,
    get timedOut() {
      return timedOut
    },
    dispose() {
      clearTimeout(timer)
      parent?.removeEventListener('abort', onParentAbort)
    },
  }
}
