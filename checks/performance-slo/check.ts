import { METRICS } from '../../src/contracts/metric-names.js'
import type { Check, CheckContext, CheckOutcome } from '../../src/check.js'
import { runMetricRule, queryCommand, sourceEvidence, windowPhrase } from '../../src/metrics/outcomes.js'
import { slowestTraces, tracedRequests } from '../../src/metrics/exemplars.js'
import { select } from '../../src/metrics/exposition.js'
import { httpSummary } from '../../src/metrics/performance.js'
import { probeRoutes, type WindowData, windowData, metricOptions } from '../../src/metrics/window.js'

/** Share of the SLO at which a healthy-but-close value turns into a warning. */
const NEAR_SLO = 0.8

export const check: Check = {
  id: 'performance-slo',
  category: 'performance',
  title: 'Request latency and error rate against the SLO',
  description: 'p50/p95/p99 from the request histogram, error rate and throughput over --window, judged against slo: in config',
  appliesTo: ['diagnose'],
  severity: 'fail',
  options: metricOptions,
  async run(ctx) {
    return runMetricRule(ctx, windowData, async (data: WindowData) => {
      const http = httpSummary(data.increase, data.coveredMs, probeRoutes(ctx))
      const base = sourceEvidence(data)
      if (!http) return noTraffic(data, probeRoutes(ctx), base)
      if (data.singleScrape) return { status: 'skip', message: 'no time for a second /metrics scrape inside the check budget; raise --timeout to measure rates', evidence: base }
      if (http.requests === 0) return { status: 'skip', message: `no requests ${windowPhrase(data)}, so no latency or error rate to judge`, evidence: { ...base, requests: 0 } }
      return [await latency(ctx, data, http, base), errors(ctx, data, http, base)]
    })
  },
}

/**
 * No request series outside the probe routes. A freshly started agent exports them for /health
 * and /metrics only: that is "no chat traffic yet", not "no metrics", so say which one is true.
 */
function noTraffic(data: WindowData, probes: readonly string[], base: Record<string, unknown>): CheckOutcome {
  const exported = [METRICS.httpRequests, `${METRICS.httpDuration}_bucket`, `${METRICS.httpDuration}_count`].some((name) => select(data.latest, name).length > 0)
  const probeList = probes.join(', ')
  if (exported) {
    return { status: 'skip', message: `the agent exports ${METRICS.httpRequests} but served no requests other than probes (${probeList}) ${windowPhrase(data)}, so no latency or error rate to judge`, evidence: { ...base, requests: 0, probeRoutes: probes } }
  }
  if (data.source === 'prometheus') {
    // Prometheus's queries exclude the probe routes, so an empty answer cannot tell "no traffic" from "not scraped".
    return { status: 'skip', message: `Prometheus holds no ${METRICS.httpRequests} / ${METRICS.httpDuration} series outside the probe routes (${probeList}) ${windowPhrase(data)}: no chat traffic in the window, or Prometheus does not scrape the agent's request metrics`, evidence: base }
  }
  return { status: 'skip', message: `no ${METRICS.httpRequests} / ${METRICS.httpDuration} series ${windowPhrase(data)}: the agent does not export the request metrics agentctl reads`, evidence: base }
}

async function latency(ctx: CheckContext, data: WindowData, http: NonNullable<ReturnType<typeof httpSummary>>, base: Record<string, unknown>): Promise<CheckOutcome> {
  const { p95Ms, p99Ms } = ctx.config.slo
  const l = http.latencyMs
  const evidence = { ...base, p50Ms: l.p50, p95Ms: l.p95, p99Ms: l.p99, sloP95Ms: p95Ms, ...(p99Ms ? { sloP99Ms: p99Ms } : {}), requests: http.requests, rps: http.rps }
  const summary = `p50 ${l.p50}ms, p95 ${l.p95}ms, p99 ${l.p99}ms ${windowPhrase(data)} (${http.requests} requests, ${http.rps} req/s)`
  const dig = `Find the slow route and the LLM share: ${queryCommand(ctx, `histogram_quantile(0.95, sum by (le, route) (rate(${METRICS.httpDuration}_bucket[5m])))`, METRICS.llmDuration)}`
  const title = 'Request latency against the SLO'
  const fail = l.p95 > p95Ms || (p99Ms !== undefined && l.p99 > p99Ms)
  if (!fail && !(l.p95 > NEAR_SLO * p95Ms)) return { title, status: 'pass', message: `${summary}; SLO p95 ${p95Ms}ms`, evidence }
  // The traces of the slowest requests (exemplars), which the runner turns into links: src/traces.ts.
  const traceIds = slowestTraces(await tracedRequests(ctx, data, probeRoutes(ctx)), p95Ms / 1000)
  const traced = traceIds.length ? { evidence: { ...evidence, traceIds }, remediation: `${dig} The traces of the window's slowest requests (slowest first) show where the time went.` } : { evidence, remediation: dig }
  if (fail) {
    const breach = l.p95 > p95Ms ? `p95 ${l.p95}ms exceeds the SLO of ${p95Ms}ms` : `p99 ${l.p99}ms exceeds the SLO of ${p99Ms}ms`
    return { title, status: 'fail', message: `${breach}: ${summary}`, ...traced }
  }
  return { title, status: 'warn', message: `p95 is at ${Math.round((100 * l.p95) / p95Ms)}% of the ${p95Ms}ms SLO: ${summary}`, ...traced }
}

function errors(ctx: CheckContext, data: WindowData, http: NonNullable<ReturnType<typeof httpSummary>>, base: Record<string, unknown>): CheckOutcome {
  const slo = ctx.config.slo.errorRate
  const pct = (r: number) => `${(100 * r).toFixed(2)}%`
  const evidence = { ...base, requests: http.requests, errors5xx: http.errors, errorRate: Number(http.errorRate.toFixed(4)), sloErrorRate: slo, rps: http.rps }
  const summary = `${http.errors} of ${http.requests} requests failed with 5xx (${pct(http.errorRate)}) ${windowPhrase(data)}`
  const dig = `See which routes and LLM outcomes fail: ${queryCommand(ctx, `sum by (route, status) (rate(${METRICS.httpRequests}{status=~"5.."}[5m]))`, `'${METRICS.llmRequests}.*outcome="[^s]'`)}`
  const title = 'Error rate against the SLO'
  if (http.errorRate > slo) return { title, status: 'fail', message: `${summary}; the SLO allows ${pct(slo)}`, evidence, remediation: dig }
  if (http.errorRate > NEAR_SLO * slo && http.errors > 0) return { title, status: 'warn', message: `${summary}: close to the ${pct(slo)} SLO`, evidence, remediation: dig }
  return { title, status: 'pass', message: `${summary}; SLO ${pct(slo)}`, evidence }
}
