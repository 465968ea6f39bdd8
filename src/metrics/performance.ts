import { METRICS } from '../contracts/metric-names.js'
import { type Exposition, select, sumBy, sumOf } from './exposition.js'
import { bucketsBy, latencyMs } from './histogram.js'

export interface HttpSummary {
  requests: number
  errors: number
  /** 5xx share of requests (0..1); NaN with no requests. */
  errorRate: number
  rps: number
  latencyMs: { p50: number; p95: number; p99: number; count: number }
}

/** Traffic over the window, probe routes (/metrics, /health, /ready) excluded. */
export function httpSummary(increase: Exposition, coveredMs: number, probes: readonly string[]): HttpSummary | undefined {
  const isTraffic = (labels: Record<string, string>) => !probes.includes(labels.route ?? '')
  const requests = sumOf(increase, METRICS.httpRequests, isTraffic)
  const buckets = bucketsBy(increase, METRICS.httpDuration, [], isTraffic).values().next().value?.buckets ?? []
  if (requests === undefined && buckets.length === 0) return undefined
  const errors = sumOf(increase, METRICS.httpRequests, (l) => isTraffic(l) && /^5/.test(l.status ?? l.code ?? '')) ?? 0
  const total = requests ?? 0
  return {
    requests: round(total),
    errors: round(errors),
    errorRate: total > 0 ? errors / total : NaN,
    rps: coveredMs > 0 ? round(total / (coveredMs / 1000), 3) : NaN,
    latencyMs: latencyMs(buckets),
  }
}

export interface ModelSummary {
  model: string
  requests: number
  /** Calls by outcome: success, error, timeout, rate_limited, breaker_open, invalid_response. */
  outcomes: Record<string, number>
  failureRate: number
  latencyMs: { p50: number; p95: number; p99: number; count: number }
}

export function llmByModel(increase: Exposition): ModelSummary[] {
  const calls = sumBy(increase, METRICS.llmRequests, ['model', 'outcome'])
  const latency = bucketsBy(increase, METRICS.llmDuration, ['model'])
  const models = new Set<string>([...calls.values()].map((g) => g.labels.model!).concat([...latency.values()].map((g) => g.labels.model!)))
  return [...models].sort().map((model) => {
    const outcomes: Record<string, number> = {}
    for (const g of calls.values()) if (g.labels.model === model) outcomes[g.labels.outcome || 'unknown'] = round(g.value)
    const requests = Object.values(outcomes).reduce((a, b) => a + b, 0)
    const failed = requests - (outcomes.success ?? 0)
    const buckets = [...latency.values()].find((g) => g.labels.model === model)?.buckets ?? []
    return { model, requests, outcomes, failureRate: requests > 0 ? failed / requests : NaN, latencyMs: latencyMs(buckets) }
  })
}

export type BreakerName = 'closed' | 'open' | 'half-open'

export function breakerStates(latest: Exposition): Array<{ model: string; state: BreakerName; value: number }> {
  const byModel = new Map<string, number>()
  // Several series per model (several replicas behind Prometheus): the worst one counts, and
  // open (1) is worse than half-open (2), so rank rather than take the numeric max.
  const rank = (v: number) => (v === 1 ? 2 : v === 2 ? 1 : 0)
  for (const s of select(latest, METRICS.breakerState)) {
    const model = s.labels.model ?? s.labels.name ?? 'default'
    const seen = byModel.get(model)
    if (seen === undefined || rank(s.value) > rank(seen)) byModel.set(model, s.value)
  }
  const name = (v: number): BreakerName => (v === 1 ? 'open' : v === 2 ? 'half-open' : 'closed')
  return [...byModel].sort(([a], [b]) => a.localeCompare(b)).map(([model, value]) => ({ model, state: name(value), value }))
}

export function round(n: number, digits = 2): number {
  const f = 10 ** digits
  return Math.round(n * f) / f
}
