import { parseDuration } from '../duration.js'
import { AgentctlError, ExitCode } from '../exit-codes.js'
import type { StreamSummary } from '../report.js'

const PERCENTILES = ['p50', 'p90', 'p95', 'p99'] as const
/** Streamed-answer timings (--stream): time to first byte / first token, inter-token latency. */
const STREAM_METRICS = (['ttfb', 'ttft', 'itl'] as const).flatMap((m) => PERCENTILES.map((p) => `${m}_${p}` as const))
/** The metrics an SLO threshold can name, and what each reads from a load result. */
export const SLO_METRICS = [...PERCENTILES, 'max', 'avg', 'error_rate', 'rps', 'achieved_rps', ...STREAM_METRICS] as const
export type SloMetric = (typeof SLO_METRICS)[number]
export type SloOp = '<' | '<=' | '>' | '>='

export interface SloThreshold {
  expression: string
  metric: SloMetric
  op: SloOp
  /** Milliseconds for latency metrics, a fraction for error_rate, requests/s for rps. */
  threshold: number
}

/** The observed values a threshold is checked against. */
export interface SloObservation {
  latencyMs: { p50: number; p90: number; p95: number; p99: number; max: number; mean?: number }
  errorRate: number
  achievedRps: number
  /** Streamed answers' timings; stream thresholds have nothing to observe without them. */
  stream?: StreamSummary
  /**
   * Successful responses behind `latencyMs`. With none, the latency summary is all zeros (an empty
   * histogram), which would pass any latency threshold: 0 makes latency thresholds fail instead.
   */
  successes?: number
}

export interface SloResult extends SloThreshold {
  /** NaN when there is nothing to observe (a latency threshold with no successful response). */
  observed: number
  passed: boolean
  /** Why `observed` is missing, for messages. */
  note?: string
}

export const NO_SUCCESS_NOTE = 'no successful responses'
export const NO_STREAM_NOTE = 'no streamed answers (add --stream, or the target did not stream)'

/**
 * The agent's error rate: failed responses over the responses sent. Dropped sends are not in it:
 * the load generator could not send them (every connection busy), which is agentctl's limit,
 * reported by the load-throughput finding (issue 16), not the agent's error.
 */
export function errorRateOf(r: { requests: number; errors: number }): number {
  return r.requests > 0 ? r.errors / r.requests : 0
}

const LATENCY: ReadonlySet<string> = new Set(['p50', 'p90', 'p95', 'p99', 'max', 'avg', ...STREAM_METRICS])
// The number may carry an exponent: config thresholds such as errorRate 0.0000001 print as 1e-7.
const EXPRESSION = /^\s*([a-z_0-9]+)\s*(<=|>=|<|>)\s*([0-9]*\.?[0-9]+(?:e[-+]?[0-9]+)?)\s*(ms|s|m|%)?\s*$/i

/**
 * k6's threshold syntax, rewritten to ours (harness/LOAD.md "Thresholds"): `p(95)<500` is p95,
 * `med` p50; `http_req_duration: p(95)<500` is a latency threshold, `http_req_failed: rate<0.01`
 * the error rate, `http_reqs: rate>=50` the achieved rate. k6 writes latencies as bare
 * milliseconds, and so may we; with a unit (250ms, 2s) the shared duration grammar reads it.
 */
export function fromK6(expression: string): string {
  let text = expression.trim()
  const metric = /^(http_req_duration|http_req_failed|http_reqs)\s*:?\s*(.*)$/i.exec(text)
  if (metric) {
    const name = metric[1]!.toLowerCase()
    const rest = metric[2]!
    if (name === 'http_req_duration') text = rest
    else text = rest.replace(/^rate\b/i, name === 'http_req_failed' ? 'error_rate' : 'rps')
  }
  return text.replace(/^p\(\s*(\d+(?:\.\d+)?)\s*\)/i, (_m, p: string) => `p${p}`).replace(/^med\b/i, 'p50')
}

function sloError(expression: string, problem: string): AgentctlError {
  return new AgentctlError(
    `invalid SLO "${expression}": ${problem}`,
    ExitCode.UsageOrInternal,
    `write METRIC OP VALUE, e.g. 'p95<5000' (ms), 'p95<2s', 'error_rate<0.01' or 'error_rate<1%', 'rps>=50', 'ttft_p95<800ms', or k6's 'p(95)<500' and 'http_req_failed: rate<0.01'; metrics: ${SLO_METRICS.join(', ')}`,
  )
}

/** Parses one k6-style threshold. Every problem is an AgentctlError (exit 2) naming the expression. */
export function parseSlo(expression: string): SloThreshold {
  const match = EXPRESSION.exec(fromK6(expression))
  if (!match) {
    const name = /^\s*([a-z_0-9]+)/i.exec(expression)?.[1]
    if (name && !(SLO_METRICS as readonly string[]).includes(name.toLowerCase())) throw sloError(expression, `unknown metric "${name}"`)
    throw sloError(expression, 'expected METRIC OP VALUE with OP one of < <= > >=')
  }
  const metric = match[1]!.toLowerCase()
  const op = match[2] as SloOp
  const unit = match[4]?.toLowerCase()
  let value = Number(match[3])
  if (!(SLO_METRICS as readonly string[]).includes(metric)) throw sloError(expression, `unknown metric "${match[1]}"`)
  if (LATENCY.has(metric)) {
    if (unit === '%') throw sloError(expression, `${metric} is a latency: use ms, s or m`)
    // Bare numbers are milliseconds, as in k6; a unit goes through the one duration grammar.
    if (unit) value = parseDuration(`${match[3]}${unit}`, `SLO ${expression.trim()}`)
  } else if (metric === 'error_rate') {
    if (unit && unit !== '%') throw sloError(expression, 'error_rate is a fraction (0.01) or a percentage (1%)')
    if (unit === '%') value /= 100
    if (value > 1) throw sloError(expression, 'error_rate is a fraction between 0 and 1 (or a percentage such as 1%)')
  } else if (unit) {
    throw sloError(expression, `${metric} is in requests per second and takes no unit`)
  }
  return { expression: expression.trim(), metric: metric as SloMetric, op, threshold: value }
}

/** Parses all thresholds before any traffic; the first bad one stops the run with exit 2. */
export function parseSlos(expressions: readonly string[]): SloThreshold[] {
  return expressions.map(parseSlo)
}

/**
 * The thresholds in force: --slo flags, else config `load.slo`, else the config's `slo.p95Ms` /
 * `slo.errorRate` defaults. Flags replace the config list rather than adding to it, like k6's
 * command line overriding the script.
 */
export function effectiveSlos(flags: readonly string[], configList: readonly string[], defaults: { p95Ms: number; errorRate: number }): SloThreshold[] {
  if (flags.length > 0) return parseSlos(flags)
  if (configList.length > 0) return parseSlos(configList)
  return parseSlos([`p95<${defaults.p95Ms}`, `error_rate<${defaults.errorRate}`])
}

export function observe(threshold: SloThreshold, o: SloObservation): number {
  if (LATENCY.has(threshold.metric) && o.successes === 0) return Number.NaN
  const stream = /^(ttfb|ttft|itl)_(p\d+)$/.exec(threshold.metric)
  if (stream) {
    const summary = o.stream?.[`${stream[1] as 'ttfb' | 'ttft' | 'itl'}Ms`]
    return summary && o.stream!.requests > 0 ? summary[stream[2] as 'p95'] : Number.NaN
  }
  switch (threshold.metric as Exclude<SloMetric, (typeof STREAM_METRICS)[number]>) {
    case 'avg':
      return o.latencyMs.mean ?? 0
    case 'error_rate':
      return o.errorRate
    case 'rps':
    case 'achieved_rps':
      return o.achievedRps
    default:
      return o.latencyMs[threshold.metric as (typeof PERCENTILES)[number] | 'max']
  }
}

/** Every comparison with NaN is false: a threshold with no data fails whatever its operator. */
function holds(op: SloOp, observed: number, threshold: number): boolean {
  if (op === '<') return observed < threshold
  if (op === '<=') return observed <= threshold
  if (op === '>') return observed > threshold
  return observed >= threshold
}

export function evaluateSlos(thresholds: readonly SloThreshold[], o: SloObservation): SloResult[] {
  return thresholds.map((t) => {
    const observed = observe(t, o)
    const note = /^(ttfb|ttft|itl)_/.test(t.metric) && o.successes !== 0 ? NO_STREAM_NOTE : NO_SUCCESS_NOTE
    return { ...t, observed, passed: holds(t.op, observed, t.threshold), ...(Number.isNaN(observed) ? { note } : {}) }
  })
}

/** An observed value for messages: "1.25%", "42.0 rps", "830 ms", "2.50 ms", or the note when there is none. */
export function formatObserved(r: Pick<SloResult, 'metric' | 'observed' | 'note'>): string {
  if (Number.isNaN(r.observed)) return r.note ?? 'no data'
  if (r.metric === 'error_rate') return `${(r.observed * 100).toFixed(2)}%`
  if (r.metric === 'rps' || r.metric === 'achieved_rps') return `${r.observed.toFixed(1)} rps`
  return `${r.observed.toFixed(r.observed < 10 ? 2 : 0)} ms`
}

/** Thresholds on achieved throughput make no sense per capacity step (the ramp sets the rate). */
export function isRateThreshold(t: SloThreshold): boolean {
  return t.metric === 'rps' || t.metric === 'achieved_rps'
}
