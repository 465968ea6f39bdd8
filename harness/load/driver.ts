import { performance } from 'node:perf_hooks'
import type { Pool } from 'undici'
import type { TargetProtocol, TokenUsage } from '../../src/protocols/types.js'
import type { LatencySummary, StreamSummary } from '../../src/report.js'
import { runClosedModel } from './closed-model.js'
import { type Overload, runOpenModel } from './open-model.js'
import { encodeHistogram, Recorder, summarize, type TimelinePoint } from './recorder.js'
import type { Workload } from './workload.js'

export interface DriverOptions {
  /** scheme://host:port of the target; paths come from the workload. */
  origin: string
  workload: Workload
  /** 'open' needs `rate`; 'closed' uses `connections` virtual users. */
  mode: 'open' | 'closed'
  rate?: number
  connections: number
  durationMs: number
  warmupMs?: number
  timeoutMs?: number
  signal?: AbortSignal
  /** Open model: reuse this connection pool (kept warm across capacity steps). */
  pool?: Pool
  /** Called with each successful response body (only when set: bodies are otherwise discarded). */
  onBody?: (body: string) => void
  /** Called about once a second with the last full second and the running totals (progress, --abort-on-fail). */
  onProgress?: (progress: Progress) => void
  /** Classify answers by content through this adapter and time streamed ones (both models: read-chat.ts). */
  protocol?: TargetProtocol
  /** With a protocol: the token usage each answer reported (cost). */
  onUsage?: (usage: TokenUsage) => void
  /** Open model (capacity search): cut the step short once this many requests are in flight or waiting. */
  cutAtInFlight?: number
}

export interface EngineOptions extends Required<Pick<DriverOptions, 'origin' | 'workload' | 'connections' | 'durationMs'>> {
  rate?: number
  warmupMs: number
  timeoutMs: number
  signal?: AbortSignal
  pool?: Pool
  wantBody: boolean
  onBody?: (body: string) => void
  protocol?: TargetProtocol
  onUsage?: (usage: TokenUsage) => void
  cutAtInFlight?: number
}

export interface Progress {
  elapsedS: number
  last: TimelinePoint
  total: { requests: number; errors: number; dropped: number; latencyMs: LatencySummary; achievedRps: number }
}

/** What one run measured, warm-up excluded. */
export interface RunResult {
  mode: 'open' | 'closed'
  offeredRps: number
  achievedRps: number
  requests: number
  errors: number
  dropped: number
  latencyMs: LatencySummary
  timeline: TimelinePoint[]
  /** base64 HDR histogram of successful-request latencies, in microseconds. */
  histogram: string
  statuses: Record<string, number>
  /** Successful responses, warm-up and drain included (what a /metrics token delta covers). */
  succeededAll: number
  /** Open model: how far behind schedule the generator itself ran (an overloaded client machine). */
  scheduler?: { maxLagMs: number; lateSendRatio: number }
  /** Streamed answers: TTFB, TTFT, ITL and tokens/s (absent when no answer streamed). */
  stream?: StreamSummary
  /** base64 HDR histograms of the stream timings (µs; tokens/s in thousandths). */
  streamHistograms?: Record<string, string>
  /** Open model: the step was cut short with the agent far behind (DriverOptions.cutAtInFlight). */
  overload?: Overload
  /** The median latency of successful requests sent in each half of the window (queue growth). */
  halves: Array<{ requests: number; p50Ms: number }>
  /** The measured window actually covered (shorter when aborted). */
  durationMs: number
  aborted: boolean
}

/** Runs one load window: open model (arrival rate) or closed model (virtual users: closed-model.ts). */
export async function runLoad(options: DriverOptions): Promise<RunResult> {
  const warmupMs = options.warmupMs ?? 0
  const engine: EngineOptions = {
    origin: options.origin,
    workload: options.workload,
    connections: Math.max(1, Math.round(options.connections)),
    durationMs: options.durationMs,
    rate: options.rate,
    warmupMs,
    timeoutMs: options.timeoutMs ?? 30_000,
    signal: options.signal,
    pool: options.pool,
    wantBody: Boolean(options.onBody) || options.workload.tracksSessions,
    onBody: options.onBody,
    protocol: options.protocol,
    onUsage: options.onUsage,
    cutAtInFlight: options.cutAtInFlight,
  }
  if (options.mode === 'open' && !(options.rate && options.rate > 0)) throw new Error('the open model needs a rate > 0')
  const recorder = new Recorder(warmupMs, options.durationMs)
  const progress = options.onProgress ? startProgress(recorder, options.onProgress) : undefined
  try {
    const { aborted, overload } = options.mode === 'open' ? await runOpenModel(engine, recorder) : { ...(await runClosedModel(engine, recorder)), overload: undefined }
    // The window is the planned duration (the open model's last request may finish before its
    // end); only an abort shortens it.
    const elapsedMs = recorder.started ? performance.now() - recorder.measureFrom : 0
    const measuredMs = Math.max(1, aborted ? Math.min(options.durationMs, elapsedMs) : options.durationMs)
    // Throughput counts successful completions inside the window (goodput): a backlog drained
    // afterwards is not capacity, and neither is a failure.
    const achievedRps = recorder.succeededInWindow / (measuredMs / 1000)
    return {
      mode: options.mode,
      // A closed model offers what the server accepts: every completion, failed ones included.
      offeredRps: round2(options.mode === 'open' ? options.rate! : recorder.completedInWindow / (measuredMs / 1000)),
      // Cut short: the window never ran; what the agent completed per second until then is the figure.
      achievedRps: round2(overload ? overload.goodputRps : achievedRps),
      requests: recorder.requests,
      errors: recorder.errors,
      dropped: recorder.dropped,
      latencyMs: summarize(recorder.overall),
      timeline: recorder.timeline(measuredMs),
      histogram: encodeHistogram(recorder.overall),
      statuses: recorder.statuses,
      succeededAll: recorder.succeededAll,
      ...(options.mode === 'open' ? { scheduler: { maxLagMs: round2(recorder.maxSchedulerLagMs), lateSendRatio: round2(recorder.lateSendRatio) } } : {}),
      ...streamFigures(recorder),
      ...(overload ? { overload } : {}),
      halves: recorder.halves.map((h) => ({ requests: h.totalCount, p50Ms: summarize(h).p50 })),
      durationMs: Math.round(overload ? overload.afterMs : measuredMs),
      aborted,
    }
  } finally {
    if (progress) clearInterval(progress)
    recorder.destroy()
  }
}

function streamFigures(recorder: Recorder): Pick<RunResult, 'stream' | 'streamHistograms'> {
  const s = recorder.stream
  if (s.requests === 0) return {}
  return {
    stream: { requests: s.requests, ttfbMs: summarize(s.ttfb), ttftMs: summarize(s.ttft), itlMs: summarize(s.itl), tokensPerSecond: summarize(s.tokensPerS) },
    streamHistograms: { ttfb: encodeHistogram(s.ttfb), ttft: encodeHistogram(s.ttft), itl: encodeHistogram(s.itl), 'tokens-per-s': encodeHistogram(s.tokensPerS) },
  }
}

function startProgress(recorder: Recorder, onProgress: NonNullable<DriverOptions['onProgress']>): NodeJS.Timeout {
  const timer = setInterval(() => {
    const elapsedMs = performance.now() - recorder.measureFrom
    if (!recorder.started || elapsedMs < 1000) return // still warming up or in the first second
    const points = recorder.timeline(elapsedMs)
    const elapsedS = Math.floor(elapsedMs / 1000)
    const last = points[elapsedS - 1]
    if (!last) return
    const total = {
      requests: recorder.requests,
      errors: recorder.errors,
      dropped: recorder.dropped,
      latencyMs: summarize(recorder.overall),
      achievedRps: round2(recorder.succeededInWindow / Math.min(elapsedS, Math.max(1, (recorder.windowEnd - recorder.measureFrom) / 1000))),
    }
    onProgress({ elapsedS, last, total })
  }, 1000)
  timer.unref()
  return timer
}

const round2 = (n: number) => Math.round(n * 100) / 100
