/**
 * The one abortable sleep: resolves after `ms`, or rejects with the signal's reason as soon as it
 * aborts (Ctrl-C, a check's deadline). The abort listener is removed either way, so a long-lived
 * signal does not collect one listener per sleep. `sleep(ms, signal).catch(() => {})` waits
 * "until the time is up or we are told to stop".
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason)
    const onAbort = () => {
      clearTimeout(timer)
      reject(signal!.reason)
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
