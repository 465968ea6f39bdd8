import hdr from 'hdr-histogram-js'
import type { LatencySummary } from '../../src/report.js'

/** Latencies are recorded in microseconds: sub-millisecond resolution for fast endpoints, 1 h ceiling. */
const HIGHEST_US = 3_600_000_000

/** A send this late means the load generator (not the server) was behind schedule. */
export const LATE_SEND_MS = 10

export type Histogram = ReturnType<typeof hdr.build>

export function newHistogram(): Histogram {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: HIGHEST_US, numberOfSignificantValueDigits: 3, autoResize: true })
}

export interface TimelinePoint {
  t: number
  rps: number
  p50: number
  p95: number
  p99: number
  errors: number
}

const round2 = (n: number) => Math.round(n * 100) / 100

/** Percentile summary of a histogram, in milliseconds. */
export function summarize(h: Histogram): LatencySummary {
  if (h.totalCount === 0) return { p50: 0, p90: 0, p95: 0, p99: 0, max: 0, mean: 0, min: 0 }
  const ms = (us: number) => round2(us / 1000)
  return {
    p50: ms(h.getValueAtPercentile(50)),
    p90: ms(h.getValueAtPercentile(90)),
    p95: ms(h.getValueAtPercentile(95)),
    p99: ms(h.getValueAtPercentile(99)),
    max: ms(h.maxValue),
    mean: ms(h.mean),
    min: ms(h.minNonZeroValue),
  }
}

export function encodeHistogram(h: Histogram): string {
  return hdr.encodeIntoCompressedBase64(h)
}

export function decodeHistogram(base64: string): Histogram {
  return hdr.decodeFromCompressedBase64(base64, 32, false)
}

/**
 * Collects every completed request of one run: one overall histogram plus one histogram per
 * wall-clock second (the chart timeline). Requests whose start falls before `measureFrom`
 * (the warm-up) are ignored entirely, so warm-up never reaches the results.
 */
export class Recorder {
  readonly overall = newHistogram()
  /**
   * Successful latencies by the half of the window the request was sent in (warm-up stragglers go
   * to the first): a queue that grows through the window shows as a later half slower than the
   * earlier one, before any SLO or throughput rule sees it (capacity.ts judgeStep).
   */
  readonly halves = [newHistogram(), newHistogram()] as const
  private readonly seconds: Array<{ h: Histogram; count: number; errors: number }> = []
  requests = 0
  errors = 0
  dropped = 0
  /** Successful responses that completed inside the measured window: the throughput numerator (goodput). */
  succeededInWindow = 0
  /** Every response that completed inside the window, failed ones included (the closed model's offered rate). */
  completedInWindow = 0
  /** Successful responses, warm-up and drain included: the denominator for /metrics token deltas. */
  succeededAll = 0
  /**
   * Closed model: also count a warm-up request still outstanding when the window closed. It held
   * its virtual user through the whole window, so for a stalled agent it is the window's only
   * evidence (without it a hung agent reports 0 requests). Normal runs never have one.
   */
  countOutstandingWarmup = false
  /** Response status counts (and transport error codes such as 'timeout', 'ECONNREFUSED'). */
  readonly statuses: Record<string, number> = {}
  /** performance.now() at which measurement starts (end of warm-up); Infinity until traffic starts. */
  measureFrom = Number.POSITIVE_INFINITY
  windowEnd = Number.POSITIVE_INFINITY

  constructor(
    private readonly warmupMs: number,
    private readonly durationMs: number,
  ) {}

  /** Engines call this right before the first request, so slow imports or pool setup never eat the window. */
  start(now: number): number {
    this.measureFrom = now + this.warmupMs
    this.windowEnd = this.measureFrom + this.durationMs
    return now
  }

  get started(): boolean {
    return this.measureFrom !== Number.POSITIVE_INFINITY
  }

  /** `startedAt` is the intended send time (open model) or the actual send time (closed model). */
  record(startedAt: number, finishedAt: number, ok: boolean, status: string): void {
    if (ok) this.succeededAll++
    // Throughput counts successful completions inside the window, warm-up requests included: at
    // steady state that equals the arrival rate, whatever the latency (no edge effect at the window
    // end). Failures are not throughput: an agent answering every request with a fast 500 or 429
    // must not look like it carries the offered rate.
    const inWindow = finishedAt >= this.measureFrom && finishedAt <= this.windowEnd
    if (inWindow) {
      this.completedInWindow++
      if (ok) {
        this.succeededInWindow++
        this.bucket(finishedAt).count++
      }
    }
    // Latency and counts cover requests sent inside the window (the engines wait for them after it
    // ends, up to the timeout). Requests autocannon starts after the window are ignored too.
    if (startedAt > this.windowEnd) return
    if (startedAt < this.measureFrom && !(this.countOutstandingWarmup && finishedAt > this.windowEnd)) return
    const us = Math.max(1, Math.round((finishedAt - startedAt) * 1000))
    this.requests++
    this.statuses[status] = (this.statuses[status] ?? 0) + 1
    // Requests finishing after the window (the tail) are charted in its last second.
    const bucket = this.bucket(Math.min(finishedAt, this.windowEnd))
    if (!ok) {
      this.errors++
      bucket.errors++
      return
    }
    // Only successful responses shape the latency distribution (a fast 500 must not improve p95).
    this.overall.recordValue(us)
    this.halves[startedAt < this.measureFrom + this.durationMs / 2 ? 0 : 1].recordValue(us)
    bucket.h.recordValue(us)
  }

  /** Worst lateness of the open-model scheduler (ms), measured window only. */
  maxSchedulerLagMs = 0
  private lateSends = 0

  schedulerLag(intendedAt: number, lagMs: number): void {
    if (intendedAt < this.measureFrom || intendedAt > this.windowEnd) return
    this.maxSchedulerLagMs = Math.max(this.maxSchedulerLagMs, lagMs)
    if (lagMs > LATE_SEND_MS) this.lateSends++
  }

  /** Share of in-window sends that left more than LATE_SEND_MS after their intended time. */
  get lateSendRatio(): number {
    const sent = this.requests + this.dropped
    return sent > 0 ? this.lateSends / sent : 0
  }

  drop(intendedAt: number): void {
    if (intendedAt >= this.measureFrom && intendedAt <= this.windowEnd) this.dropped++
  }

  private bucket(at: number) {
    const last = Math.max(0, Math.ceil(this.durationMs / 1000) - 1)
    const index = Math.min(last, Math.max(0, Math.floor((at - this.measureFrom) / 1000)))
    while (this.seconds.length <= index) this.seconds.push({ h: newHistogram(), count: 0, errors: 0 })
    return this.seconds[index]!
  }

  /** Per-second samples; `t` is seconds since measurement started; the partial last second is scaled. */
  timeline(measuredMs: number, offset = 0): TimelinePoint[] {
    return this.seconds.map((s, i) => {
      const width = Math.min(1, Math.max(0.001, measuredMs / 1000 - i))
      const summary = summarize(s.h)
      return { t: offset + i, rps: round2(s.count / width), p50: summary.p50, p95: summary.p95, p99: summary.p99, errors: s.errors }
    })
  }

  /** Streamed answers (--stream), requests sent inside the window: see recordStream. */
  readonly stream = { requests: 0, ttfb: newHistogram(), ttft: newHistogram(), itl: newHistogram(), tokensPerS: newHistogram() }

  /**
   * One successful streamed answer, timed from the same start as its latency (the intended send
   * time in the open model): time to first byte, time to first token (the first answer-text delta
   * the protocol reported), the gaps between later delta arrivals (ITL), and its decode rate —
   * deltas after the first arrival over the time from first to last (kept in milli-tokens/s).
   */
  recordStream(startedAt: number, t: { firstByteAt?: number; arrivals: Array<{ at: number; deltas: number }> }): void {
    if (startedAt < this.measureFrom || startedAt > this.windowEnd) return
    const us = (ms: number) => Math.max(1, Math.round(ms * 1000))
    const s = this.stream
    s.requests++
    if (t.firstByteAt !== undefined) s.ttfb.recordValue(us(t.firstByteAt - startedAt))
    const [first, ...rest] = t.arrivals
    if (!first) return
    s.ttft.recordValue(us(first.at - startedAt))
    let previous = first.at
    for (const a of rest) {
      s.itl.recordValue(us(a.at - previous))
      previous = a.at
    }
    const later = rest.reduce((n, a) => n + a.deltas, 0)
    if (later > 0 && previous > first.at) s.tokensPerS.recordValue(Math.round((later / ((previous - first.at) / 1000)) * 1000))
  }

  destroy(): void {
    for (const h of [this.stream.ttfb, this.stream.ttft, this.stream.itl, this.stream.tokensPerS]) h.destroy()
    this.overall.destroy()
    for (const h of this.halves) h.destroy()
    for (const s of this.seconds) s.h.destroy()
  }
}
