/**
 * From metrics to traces without sending a chat (issue 19): the agent's request histogram names,
 * per bucket, the trace of an observation it counted (an OpenMetrics exemplar,
 * `# {trace_id="…"} 4.2 1700000000.123`). Diagnose reads them from the two /metrics scrapes (the
 * exemplars that changed between them, histogram.ts) or from Prometheus' exemplar API, so a slow
 * latency finding can name the traces of the window's slowest requests.
 */
import type { CheckContext } from '../check.js'
import { EXEMPLAR_TRACE_LABEL, METRICS } from '../contracts/metric-names.js'
import { MAX_TRACE_IDS } from '../traces.js'
import { type Exemplar, select } from './exposition.js'
import { PromQueryClient } from './promql.js'
import { notProbeMatcher, type WindowData } from './window.js'

/** One request the agent timed and traced. */
export interface TracedRequest {
  traceId: string
  seconds: number
}

/** prom-client's default metrics say `traceId`, Jaeger-era clients `traceID`. */
const TRACE_LABELS = [EXEMPLAR_TRACE_LABEL, 'traceId', 'traceID']
/** W3C trace ids only: the id ends up in a link (target.traceUrl) and in every report. */
const TRACE_ID = /^(?!0{32})[0-9a-f]{32}$/
/** The exemplar query is a bonus: it never holds a finding for long. */
const EXEMPLAR_QUERY_MS = 2000

/** The W3C trace id an exemplar names, or undefined. */
export function traceIdOf(exemplar: Exemplar): string | undefined {
  for (const label of TRACE_LABELS) {
    const id = exemplar.labels[label]?.toLowerCase()
    if (id && TRACE_ID.test(id)) return id
  }
  return undefined
}

/**
 * The traced requests of the window on the agent's request histogram, probe routes left out.
 * Empty when there are none: an agent without tracing, or a Prometheus that keeps no exemplars
 * (exemplar storage off), refuses the query or does not answer in time. Never an error: the
 * latency figures stand without them.
 */
export async function tracedRequests(ctx: CheckContext, data: WindowData, probes: readonly string[]): Promise<TracedRequest[]> {
  const histogram = `${METRICS.httpDuration}_bucket`
  if (data.source === 'scrape') {
    return traced(select(data.increase, histogram, (l) => !probes.includes(l.route ?? '')).map((s) => s.exemplar))
  }
  const client = new PromQueryClient(data.from, { signal: ctx.signal, timeoutMs: Math.min(EXEMPLAR_QUERY_MS, Math.max(200, Math.floor(ctx.timeoutMs / 4))) })
  const endSec = Date.now() / 1000
  try {
    const series = await client.exemplars(`${histogram}{${notProbeMatcher(probes)}}`, endSec - data.coveredMs / 1000, endSec)
    return traced(series.flatMap((s) => s.exemplars))
  } catch {
    return []
  }
}

function traced(exemplars: Array<Exemplar | undefined>): TracedRequest[] {
  return exemplars.flatMap((e) => {
    const traceId = e && traceIdOf(e)
    return traceId && Number.isFinite(e.value) ? [{ traceId, seconds: e.value }] : []
  })
}

/**
 * The trace ids of the slowest requests, slowest first, at most MAX_TRACE_IDS: only those slower
 * than `aboveSeconds` when there are such (the requests that broke the SLO), else the slowest seen.
 */
export function slowestTraces(requests: readonly TracedRequest[], aboveSeconds: number): string[] {
  const slowest = [...requests].sort((a, b) => b.seconds - a.seconds)
  const above = slowest.filter((r) => r.seconds > aboveSeconds)
  return [...new Set((above.length ? above : slowest).map((r) => r.traceId))].slice(0, MAX_TRACE_IDS)
}
