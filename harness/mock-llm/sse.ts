/** SSE delivery with optional time-to-first-token and inter-token latency. */

export interface StreamTiming {
  ttftMs: number
  interTokenMs: number
}

export const SSE_HEADERS = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' }

const encoder = new TextEncoder()

export const sseEvent = (data: unknown): string => `data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`
export const SSE_DONE = 'data: [DONE]\n\n'

export interface SseBodyOptions {
  /** Events before this index are "tokens" paced by interTokenMs; later ones follow at once. */
  pacedEvents: number
  onEnd: () => void
  /** Error the stream after this many events (a connection dropped mid-response). */
  failAfter?: number
}

/**
 * Without latency the whole stream is one string (the fast path a load test hits). With latency,
 * a pull stream waits between events and stops its timer when it is cancelled (the client went
 * away: the adapter cancels it, and so does fetch in-process), so an abandoned stream leaks nothing.
 */
export function sseBody(events: string[], timing: StreamTiming, options: SseBodyOptions): string | ReadableStream<Uint8Array> {
  if (timing.ttftMs <= 0 && timing.interTokenMs <= 0 && options.failAfter === undefined) {
    options.onEnd()
    return events.join('')
  }
  let index = 0
  let timer: NodeJS.Timeout | undefined
  let ended = false
  const end = () => {
    if (ended) return
    ended = true
    if (timer) clearTimeout(timer)
    options.onEnd()
  }
  const delayBefore = (i: number) => (i === 0 ? timing.ttftMs : i < options.pacedEvents ? timing.interTokenMs : 0)
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (options.failAfter !== undefined && index >= options.failAfter) {
        end()
        controller.error(new Error('connection reset by the mock (connection-reset scenario)'))
        return
      }
      if (index >= events.length) {
        end()
        controller.close()
        return
      }
      const wait = delayBefore(index)
      const push = () => {
        timer = undefined
        controller.enqueue(encoder.encode(events[index++]!))
      }
      if (wait <= 0) return push()
      return new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          push()
          resolve()
        }, wait)
      })
    },
    cancel() {
      end()
    },
  })
}
