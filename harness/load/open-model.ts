import { performance } from 'node:perf_hooks'
import { type Dispatcher, Pool } from 'undici'
import type { ChatOutcome, TargetProtocol, TokenUsage } from '../../src/protocols/types.js'
import type { Recorder } from './recorder.js'
import type { EngineOptions } from './driver.js'

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
export async function runOpenModel(opts: EngineOptions, recorder: Recorder): Promise<{ aborted: boolean }> {
  const rate = opts.rate!
  const intervalMs = 1000 / rate
  const total = Math.floor(((opts.warmupMs + opts.durationMs) / 1000) * rate)
  const pool = opts.pool ?? createPool(opts.origin, opts.connections, opts.timeoutMs)
  const inflight = new AbortController()
  const backlog: number[] = []
  let issued = 0
  let active = 0
  let stopping: 'aborted' | 'drain-timeout' | undefined
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
        const read = opts.protocol ? await readChat(res, opts.protocol) : { text: opts.wantBody ? await res.body.text() : (await res.body.dump(), ''), ok: res.statusCode < 400, status: String(res.statusCode) }
        recorder.record(intendedAt, performance.now(), read.ok, read.status)
        if (read.ok && read.timing) recorder.recordStream(intendedAt, read.timing)
        opts.workload.complete(turn, read.ok, read.text, read.session)
        if (read.ok && read.usage) opts.onUsage?.(read.usage)
        else if (read.ok && read.text && !opts.protocol) opts.onBody?.(read.text)
      })
      .catch((error: NodeJS.ErrnoException) => {
        opts.workload.complete(turn, false)
        // Requests we cancel on Ctrl-C are not the server's fault; a drain timeout is.
        if (stopping === 'aborted') return
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
  return { aborted: stopping === 'aborted' }
}

interface ChatRead {
  text: string
  ok: boolean
  /** The status, or the outcome kind when a 2xx carried no answer (in-band-error, empty). */
  status: string
  timing?: Parameters<Recorder['recordStream']>[1]
  usage?: TokenUsage
  session?: string
}

/**
 * A chat through a protocol adapter: success is an answer, classified from content (a 200 with an
 * in-band error is a failure). A text/event-stream body is read as it arrives, timing each chunk
 * that completed answer-text deltas (TTFT/ITL in the recorder).
 */
async function readChat(res: Dispatcher.ResponseData, protocol: TargetProtocol): Promise<ChatRead> {
  const headers = Object.fromEntries(Object.entries(res.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v ?? '')]))
  const reader = /text\/event-stream/i.test(headers['content-type'] ?? '') && res.statusCode < 300 ? protocol.streamReader?.() : undefined
  if (!reader) {
    const text = await res.body.text()
    const outcome = protocol.parse(res.statusCode, headers, text)
    return { text, ok: outcome.kind === 'answer', ...sessionOf(outcome), ...(outcome.kind === 'answer' && outcome.usage ? { usage: outcome.usage } : {}), status: outcome.kind === 'answer' || outcome.kind === 'http-error' ? String(res.statusCode) : outcome.kind }
  }
  const decoder = new TextDecoder()
  const timing: NonNullable<ChatRead['timing']> = { arrivals: [] }
  for await (const chunk of res.body) {
    const at = performance.now()
    timing.firstByteAt ??= at
    const deltas = reader.push(decoder.decode(chunk as Buffer, { stream: true })).filter((d) => d.length > 0).length
    if (deltas > 0) timing.arrivals.push({ at, deltas })
  }
  const outcome = reader.end(res.statusCode)
  const ok = outcome.kind === 'answer'
  return { text: '', ok, status: ok ? String(res.statusCode) : outcome.kind, timing, ...sessionOf(outcome), ...(outcome.kind === 'answer' && outcome.usage ? { usage: outcome.usage } : {}) }
}

/** The session the answer named (agentctl session_id, A2A contextId, …), for the next turn. */
function sessionOf(outcome: ChatOutcome): { session?: string } {
  return 'session' in outcome && outcome.session ? { session: outcome.session } : {}
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

function errorCode(error: NodeJS.ErrnoException): string {
  if (error.code === 'UND_ERR_HEADERS_TIMEOUT' || error.code === 'UND_ERR_BODY_TIMEOUT') return 'timeout'
  return error.code ?? error.name ?? 'error'
}
