/**
 * Deadlines for probes. The runner kills a check at ctx.timeoutMs with a generic "did not finish";
 * a probe that gives up a little earlier can still say WHY (refused, hung, wrong protocol). So every
 * probe sizes its own budget strictly below the check's.
 */

/** Time kept back from the check's budget to build the finding: 5%, at least 40ms, at most 250ms. */
export function marginMs(checkTimeoutMs: number): number {
  return Math.min(250, Math.max(40, Math.round(checkTimeoutMs * 0.05)))
}

/**
 * The probe budget left for a check: its deadline is the runner's clock start (ctx.startedAt)
 * plus timeoutMs, minus a margin. Pass a bare number (a budget starting now) outside the runner.
 */
export function probeBudgetMs(check: number | { timeoutMs: number; startedAt?: number }): number {
  const { timeoutMs, startedAt } = typeof check === 'number' ? { timeoutMs: check, startedAt: undefined } : check
  const spent = startedAt === undefined ? 0 : performance.now() - startedAt
  return Math.max(10, Math.floor(timeoutMs - marginMs(timeoutMs) - spent))
}

export class ProbeTimeoutError extends Error {
  override name = 'TimeoutError'
  constructor(readonly timeoutMs: number, what = 'operation') {
    super(`${what} timed out after ${timeoutMs}ms`)
  }
}

/** A single deadline shared by the steps of one probe (connect, then query, then INFO...). */
export class Deadline {
  readonly at: number
  constructor(readonly totalMs: number) {
    this.at = performance.now() + totalMs
  }
  remaining(): number {
    return Math.max(1, Math.floor(this.at - performance.now()))
  }
}

/**
 * Races work against a timeout and an AbortSignal. On either, `onCancel` runs (close the socket!)
 * and the returned promise rejects; the late result of `work` is swallowed. Pass a function: the
 * clock then starts BEFORE the work's synchronous part (a cold TLS context costs ~60ms).
 */
export function withDeadline<T>(work: Promise<T> | (() => Promise<T>), timeoutMs: number, signal?: AbortSignal, onCancel?: () => void, what?: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false
    const settle = (fn: () => void) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
      fn()
    }
    const cancel = (error: Error) =>
      settle(() => {
        try {
          onCancel?.()
        } catch {
          // Closing an already broken client may throw; the timeout is what we report.
        }
        reject(error)
      })
    const onAbort = () => cancel(signal?.reason instanceof Error ? signal.reason : new ProbeTimeoutError(timeoutMs, what))
    const timer = setTimeout(() => cancel(new ProbeTimeoutError(timeoutMs, what)), timeoutMs)
    if (signal?.aborted) onAbort()
    else signal?.addEventListener('abort', onAbort, { once: true })
    let promise: Promise<T>
    try {
      promise = typeof work === 'function' ? work() : work
    } catch (error) {
      promise = Promise.reject(error)
    }
    promise.then(
      (value) => settle(() => resolve(value)),
      (error) => settle(() => reject(error)),
    )
  })
}

export const elapsedMs = (since: number): number => Math.round((performance.now() - since) * 10) / 10
