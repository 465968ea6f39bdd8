import { z } from 'zod'
import type { CheckContext } from '../check.js'
import { parseDuration } from '../duration.js'
import { type Exposition, parseExposition, type Sample } from './exposition.js'
import { deltaExposition } from './histogram.js'
import { getText } from './http.js'
import { promRange, PromQueryClient } from './promql.js'
import { METRICS } from '../contracts/metric-names.js'
import { sleep } from '../sleep.js'

/**
 * What happened over the diagnosis window, in one shape whichever the source:
 * `increase` holds counter/histogram increases (PromQL increase() or the difference of two
 * /metrics scrapes), `latest` the current values (gauges, cumulative totals).
 */
export interface WindowData {
  source: 'prometheus' | 'scrape'
  /** Where it came from (Prometheus base URL or the agent's /metrics URL). */
  from: string
  /** The window the user asked for. */
  requestedMs: number
  /** The window actually covered: equal to requestedMs for Prometheus, the sample length for a scrape. */
  coveredMs: number
  increase: Exposition
  latest: Exposition
  /** True when only one scrape could be taken (no time for a second): rates are unknown. */
  singleScrape?: boolean
}

/** The metric family's options: the look-back window (diagnose --window); default diagnose.window. */
export const metricOptions = z.strictObject({ windowMs: z.number().positive().optional() })
/** The no-Prometheus sample never waits longer than this between its two scrapes (diagnose must be fast). */
export const MAX_SCRAPE_WAIT_MS = 2000
/** Time kept back inside the check's budget for the scrapes themselves and the analysis. */
const BUDGET_MARGIN_MS = 1500

export function windowMs(ctx: Pick<CheckContext, 'options' | 'config'>): number {
  return (ctx.options as z.output<typeof metricOptions>).windowMs ?? parseDuration(ctx.config.diagnose.window, 'diagnose.window')
}

export function metricsUrl(ctx: Pick<CheckContext, 'config'>): string {
  return new URL(ctx.config.target.metricsPath, ctx.config.target.url).toString()
}

/** Routes that are probes rather than traffic: scraping /metrics must not count as a request. */
export function probeRoutes(ctx: Pick<CheckContext, 'config'>): string[] {
  const t = ctx.config.target
  return [t.metricsPath, t.healthPath, t.readyPath]
}

/**
 * The window data, computed once per run and shared by every check that needs it (performance,
 * LLM latency, breakers, cost, process resources) so the agent is scraped twice, not ten times.
 */
export function windowData(ctx: CheckContext): Promise<WindowData> {
  const prom = ctx.config.dependencies.prometheus
  if (!prom) return agentScrapes(ctx)
  return sharedOnce(ctx, 'metrics:prometheus-window', (own) => fromPrometheus(own, prom))
}

/**
 * The agent's own /metrics sampled twice, shared by every check of the run. Process resources
 * always read it (Prometheus may not keep the agent's process series), as does everything else
 * when no Prometheus is configured.
 */
export function agentScrapes(ctx: CheckContext): Promise<WindowData> {
  return sharedOnce(ctx, 'metrics:scrapes', fromScrapes)
}

function sharedOnce<T>(ctx: CheckContext, key: string, make: (own: CheckContext) => Promise<T>): Promise<T> {
  let pending = ctx.shared.get(key) as Promise<T> | undefined
  if (!pending) {
    // Bounded by its own deadline, not the first caller's signal: other checks await it too.
    pending = make({ ...ctx, signal: AbortSignal.timeout(ctx.timeoutMs) })
    // A shared promise must not reject unobserved if the first caller's check is cancelled.
    pending.catch(() => {})
    ctx.shared.set(key, pending)
  }
  return pending
}

/**
 * OpenMetrics first, for the exemplars that lead from a slow bucket to a trace (src/metrics/
 * exemplars.ts), then the classic text: Prometheus' own order, so an agent answers diagnose as it
 * answers its scraper. Both parse (exposition.ts).
 */
export const SCRAPE_ACCEPT = 'application/openmetrics-text;version=1.0.0;q=0.9,text/plain;version=0.0.4;q=0.5,*/*;q=0.1'

/** Two scrapes of the agent's /metrics across min(window, budget - margin, 2 s). */
export async function fromScrapes(ctx: CheckContext): Promise<WindowData> {
  const url = metricsUrl(ctx)
  const requestedMs = windowMs(ctx)
  const started = performance.now()
  const scrapeTimeout = Math.min(2000, Math.max(200, Math.floor(ctx.timeoutMs / 3)))
  const scrape = async () => parseExposition(await getText(url, { signal: ctx.signal, timeoutMs: scrapeTimeout, bearer: ctx.config.target.apiKey, accept: SCRAPE_ACCEPT }))
  const before = await scrape()
  const t0 = performance.now()
  const waitMs = Math.floor(Math.min(requestedMs, ctx.timeoutMs - BUDGET_MARGIN_MS - (t0 - started), MAX_SCRAPE_WAIT_MS))
  if (waitMs < 100) return { source: 'scrape', from: url, requestedMs, coveredMs: 0, increase: { samples: [], types: before.types }, latest: before, singleScrape: true }
  await sleep(waitMs, ctx.signal)
  const after = await scrape()
  const coveredMs = Math.round(performance.now() - t0)
  return { source: 'scrape', from: url, requestedMs, coveredMs, increase: deltaExposition(before, after), latest: after }
}

/** The queries whose results, renamed back to their series, make the window's `increase` exposition. */
function increaseQueries(range: string, probes: string[]): Array<[string, string]> {
  const notProbe = notProbeMatcher(probes)
  return [
    [METRICS.httpRequests, `sum by (route, status) (increase(${METRICS.httpRequests}{${notProbe}}[${range}]))`],
    [`${METRICS.httpDuration}_bucket`, `sum by (le) (increase(${METRICS.httpDuration}_bucket{${notProbe}}[${range}]))`],
    [METRICS.llmRequests, `sum by (model, outcome) (increase(${METRICS.llmRequests}[${range}]))`],
    [`${METRICS.llmDuration}_bucket`, `sum by (le, model) (increase(${METRICS.llmDuration}_bucket[${range}]))`],
    [METRICS.llmTokens, `sum by (model, kind) (increase(${METRICS.llmTokens}[${range}]))`],
    [METRICS.llmCost, `sum by (model) (increase(${METRICS.llmCost}[${range}]))`],
  ]
}

/** Token and cost increases over any range (cost uses 24h and since-midnight). */
export async function promIncrease(client: PromQueryClient, series: Array<[string, string]>): Promise<Exposition> {
  const results = await Promise.all(series.map(async ([name, expr]) => (await client.query(expr)).map((r): Sample => ({ name, labels: r.metric, value: r.value }))))
  return { samples: results.flat().filter((s) => !Number.isNaN(s.value)), types: new Map() }
}

export function costQueries(rangeMs: number): Array<[string, string]> {
  const range = promRange(rangeMs)
  return [
    [METRICS.llmTokens, `sum by (model, kind) (increase(${METRICS.llmTokens}[${range}]))`],
    [METRICS.llmCost, `sum by (model) (increase(${METRICS.llmCost}[${range}]))`],
  ]
}

async function fromPrometheus(ctx: CheckContext, base: string): Promise<WindowData> {
  const requestedMs = windowMs(ctx)
  const client = promClient(ctx, base)
  const [increase, breakers] = await Promise.all([
    promIncrease(client, increaseQueries(promRange(requestedMs), probeRoutes(ctx))),
    client.query(METRICS.breakerState),
  ])
  const latest: Exposition = { samples: breakers.map((r): Sample => ({ name: METRICS.breakerState, labels: r.metric, value: r.value })), types: new Map() }
  return { source: 'prometheus', from: base, requestedMs, coveredMs: requestedMs, increase, latest }
}

export function promClient(ctx: CheckContext, base: string): PromQueryClient {
  return new PromQueryClient(base, { signal: ctx.signal, timeoutMs: Math.max(200, ctx.timeoutMs - 500) })
}

/** The PromQL label matcher that leaves the probe routes out: `route!~"/metrics|/health|/ready"`. */
export function notProbeMatcher(probes: readonly string[]): string {
  return `route!~"${probes.map(escapeRegex).join('|')}"`
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\\\$&')
}
