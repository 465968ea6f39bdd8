import { performance } from 'node:perf_hooks'
import { Pool } from 'undici'
import type { EngineOptions } from './driver.js'
import { errorCode, readResponse, recordAnswer } from './read-chat.js'
import type { Recorder } from './recorder.js'

/**
 * The open model (arrival rate), wrk2-style. Requests are due at fixed intended times
 * (start + i / rate) whatever the server does; latency is measured from the INTENDED send time,
 * so a stalled server shows up as queueing delay instead of silently lowering the request rate
 * (coordinated omission). At most `connections` requests are in flight; a due request that finds
 * every connection busy waits in a backlog (its wait counts in its latency). When the backlog is
 * as deep as the connection pool, further due requests are dropped and counted — k6's
 * "dropped iterations" — because the generator, not the server, would otherwise set the pace.
 *
 * autocannon's own `overallRate` is not used here: it caps each connection per wall-clock second
 * (bursts at each second boundary) and its correction records synthetic values with a 1 ms
 * expected interval, which reports p50 ≈ 51 ms for a server that always takes 100 ms.
 */
export async function runOpenModel(opts: EngineOptions, recorder: Recorder): Promise<{ aborted: boolean; overload?: Overload }> {
  const rate = opts.rate!
  const intervalMs = 1000 / rate
  const total = Math.floor(((opts.warmupMs + opts.durationMs) / 1000) * rate)
  const pool = opts.pool ?? createPool(opts.origin, opts.connections, opts.timeoutMs)
  const inflight = new AbortController()
  const backlog: number[] = []
  let issued = 0
  let active = 0
  let stopping: 'aborted' | 'drain-timeout' | 'overload' | undefined
  let overload: Overload | undefined
  let timer: NodeJS.Timeout | undefined
  let finish!: () => void
  const finished = new Promise<void>((resolve) => (finish = resolve))

  const maybeFinish = () => {
    if ((issued >= total || stopping) && active === 0) finish()
  }

  const send = (intendedAt: number) => {
    active++
    const turn = opts.workload.next()
    const { method, path, headers, body } = turn.spec
    pool
      .request({ origin: opts.origin, method: method as 'GET', path, headers, body, signal: inflight.signal })
      .then(async (res) => {
        recordAnswer(opts, recorder, turn, intendedAt, await readResponse(res, opts.protocol, opts.wantBody))
      })
      .catch((error: NodeJS.ErrnoException) => {
        opts.workload.complete(turn, false)
        // Requests we cancel (Ctrl-C, a step cut short) are not answers; a drain timeout is a failure.
        if (stopping === 'aborted' || stopping === 'overload') return
        recorder.record(intendedAt, performance.now(), false, stopping === 'drain-timeout' ? 'timeout' : errorCode(error))
      })
      .finally(() => {
        active--
        const next = backlog.shift()
        if (next !== undefined && !stopping) send(next)
        maybeFinish()
      })
  }

  const tick = () => {
    const now = performance.now()
    const due = Math.min(total, Math.floor((now - start) / intervalMs) + 1)
    for (; issued < due; issued++) {
      const intendedAt = start + issued * intervalMs
      if (active < opts.connections) {
        // How late the scheduler itself is (an overloaded load generator), apart from server queueing.
        recorder.schedulerLag(intendedAt, performance.now() - intendedAt)
        send(intendedAt)
      } else if (backlog.length < opts.connections) backlog.push(intendedAt)
      else recorder.drop(intendedAt)
    }
    if (opts.cutAtInFlight && active + backlog.length >= opts.cutAtInFlight) return cutShort(now)
    if (issued < total && !stopping) timer = setTimeout(tick, Math.max(0, start + issued * intervalMs - performance.now()))
    else {
      // Requests still running one timeout after the schedule ended count as timed out.
      drainTimer = setTimeout(drain, opts.timeoutMs)
      maybeFinish()
    }
  }

  let drainTimer: NodeJS.Timeout | undefined
  const drain = () => {
    stopping ??= 'drain-timeout'
    for (const intendedAt of backlog.splice(0)) recorder.record(intendedAt, performance.now(), false, 'timeout')
    inflight.abort()
    maybeFinish()
  }

  // The agent fell far behind (a capacity search's growth step far past its limit): stop sending
  // and cancel what is in flight, so the backlog does not outlive the step and haunt the next one.
  const cutShort = (now: number) => {
    const elapsedS = Math.max(0.001, (now - start) / 1000)
    overload = { inFlight: active + backlog.length, afterMs: Math.round(now - start), goodputRps: Math.round((recorder.succeededAll / elapsedS) * 100) / 100 }
    stopping = 'overload'
    backlog.length = 0
    inflight.abort()
    maybeFinish()
  }

  const onAbort = () => {
    stopping = 'aborted'
    clearTimeout(timer)
    backlog.length = 0
    inflight.abort()
    maybeFinish()
  }
  const start = recorder.start(performance.now())
  opts.signal?.addEventListener('abort', onAbort, { once: true })
  if (opts.signal?.aborted) onAbort()
  else tick()

  await finished
  clearTimeout(drainTimer)
  opts.signal?.removeEventListener('abort', onAbort)
  if (!opts.pool) await pool.destroy().catch(() => undefined)
  return { aborted: stopping === 'aborted', ...(overload ? { overload } : {}) }
}

/** A step cut short: what was in flight or waiting, when, and the successes per second until then. */
export interface Overload {
  inFlight: number
  afterMs: number
  goodputRps: number
}

/**
 * A keep-alive connection pool. The open model caps in-flight requests itself, so the pool never
 * queues; a capacity search shares one pool across steps so each step starts with warm
 * connections instead of paying TCP setup inside its measured window.
 */
export function createPool(origin: string, connections: number, timeoutMs: number): Pool {
  return new Pool(origin, {
    connections,
    pipelining: 1,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    connectTimeout: Math.min(timeoutMs, 10_000),
    keepAliveTimeout: 30_000,
  })
}
