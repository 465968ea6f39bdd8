import type { CheckContext, CheckOutcome } from '../check.js'
import { formatDuration } from '../duration.js'
import { MetricsHttpError } from './http.js'
import type { WindowData } from './window.js'

/** Evidence every metrics-based finding carries: where the numbers came from and over how long. */
export function sourceEvidence(data: WindowData): Record<string, unknown> {
  return {
    source: data.source === 'prometheus' ? `Prometheus ${data.from}` : `two scrapes of ${data.from}`,
    window: formatDuration(data.coveredMs),
    ...(data.source === 'scrape' && data.coveredMs !== data.requestedMs ? { requestedWindow: formatDuration(data.requestedMs), note: 'without Prometheus the sample is capped to fit the check budget' } : {}),
  }
}

/** Human phrase for the window: "over the last 5.0m" or "in a 2.00s sample". */
export function windowPhrase(data: WindowData): string {
  return data.source === 'prometheus' ? `over the last ${formatDuration(data.coveredMs)}` : `in a ${formatDuration(data.coveredMs)} sample of /metrics`
}

/** The metrics source could not be read: an error finding with the command that shows why. */
export function metricsUnavailable(ctx: CheckContext, error: unknown): CheckOutcome {
  const prom = ctx.config.dependencies.prometheus
  const message = error instanceof Error ? error.message : String(error)
  const where = error instanceof MetricsHttpError ? error.url : prom ?? ctx.config.target.url
  return {
    status: 'error',
    message: `could not read metrics from ${where}: ${message}`,
    evidence: { url: where, error: message },
    remediation: prom
      ? `Check Prometheus answers: promtool query instant ${prom} 'up'`
      : `Check the agent exposes Prometheus metrics: curl -s ${new URL(ctx.config.target.metricsPath, ctx.config.target.url)} | head`,
  }
}

/** A hint for digging further, as a ready command for whichever source is configured. */
export function queryCommand(ctx: CheckContext, promql: string, grep: string): string {
  const prom = ctx.config.dependencies.prometheus
  if (prom) return `promtool query instant ${prom} '${promql}'`
  return `curl -s ${new URL(ctx.config.target.metricsPath, ctx.config.target.url)} | grep ${grep}`
}

type Outcomes = CheckOutcome | CheckOutcome[]

/**
 * The frame of every metrics-based check (like runManifestRule for manifests): read the check's
 * data (a window of /metrics or Prometheus), or the one error finding saying where metrics could
 * not be read; then the rule.
 */
export async function runMetricRule<T>(
  ctx: CheckContext,
  read: (ctx: CheckContext) => Promise<T>,
  rule: (data: T) => Outcomes | Promise<Outcomes>,
  unavailable: (error: unknown) => CheckOutcome = (error) => metricsUnavailable(ctx, error),
): Promise<Outcomes> {
  let data: T
  try {
    data = await read(ctx)
  } catch (error) {
    return unavailable(error)
  }
  return rule(data)
}
