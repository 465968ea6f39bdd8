import { performance } from 'node:perf_hooks'
import type { EngineOptions } from './driver.js'
import type { Recorder } from './recorder.js'
import type { Turn } from './workload.js'

/**
 * The closed model on autocannon: `connections` virtual users, each sending its next request as
 * soon as the previous one answered. The server sets the pace, so latency is honest (measured
 * from the actual send) but the rate is an outcome, not an input. Warm-up requests are filtered
 * by the recorder (they start before `measureFrom`).
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
  if (dynamic || opts.wantBody) {
    request.onResponse = (status: number, body: string, context: Ctx) => {
      const ok = status < 400
      if (context.turn) opts.workload.complete(context.turn, ok)
      if (ok && body && opts.onBody) opts.onBody(body)
    }
  }

  let aborted = false
  await new Promise<void>((resolve, reject) => {
    const instance = autocannon(
      {
        url: opts.origin,
        connections: opts.connections,
        duration: (opts.warmupMs + opts.durationMs) / 1000,
        timeout: Math.max(1, Math.ceil(opts.timeoutMs / 1000)),
        requests: [request as never],
        // Our recorder keeps the histograms; autocannon's aggregate would be computed for nothing.
        skipAggregateResult: true,
        // autocannon stops on its sampling tick: 100 ms instead of 1 s keeps the run close to the plan.
        sampleInt: 100,
      },
      (error) => (error ? reject(error) : resolve()),
    )
    recorder.start(performance.now())
    instance.on('response', ((_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
      const now = performance.now()
      recorder.record(now - responseTime, now, statusCode < 400, String(statusCode))
    }) as never)
    instance.on('reqError', (error: NodeJS.ErrnoException) => {
      const now = performance.now()
      recorder.record(now, now, false, error?.message === 'request timed out' ? 'timeout' : (error?.code ?? 'error'))
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
