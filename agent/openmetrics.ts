/**
 * /metrics in OpenMetrics 1.0 text, the format that carries exemplars: with tracing on, the request
 * histogram's buckets name the trace of a chat they counted (`# {trace_id="…"} 4.2 1700000000.123`),
 * so a slow bucket leads to a trace without sending a chat.
 *
 * Why not a prom-client OpenMetrics Registry: a registry has one content type, and prom-client
 * 15's OpenMetrics rendering renames every counter in place (`agent_http_requests_total` loses
 * `_total` for good on the first OpenMetrics scrape), so a second registry sharing the metrics, or
 * switching the content type per request, would corrupt the classic text every other scraper
 * (agentctl load, humans with curl) reads. The classic registry stays the one source; this renders
 * its public JSON snapshot instead, leaving the metric objects untouched.
 */
import { Registry } from 'prom-client'

export const OPENMETRICS_CONTENT_TYPE = Registry.OPENMETRICS_CONTENT_TYPE

/**
 * Whether the scraper prefers OpenMetrics (Prometheus sends it first, with the highest q):
 * `application/openmetrics-text` with a q above 0 and not below any `text/plain`. Wildcards and an
 * absent header keep the classic text.
 */
export function wantsOpenMetrics(accept: string | undefined): boolean {
  if (!accept) return false
  let openMetrics = 0
  let text = 0
  for (const range of accept.split(',')) {
    const [type, ...params] = range.split(';').map((p) => p.trim().toLowerCase())
    const q = Number(params.find((p) => p.startsWith('q='))?.slice(2) ?? 1)
    if (!(q >= 0)) continue
    if (type === 'application/openmetrics-text') openMetrics = Math.max(openMetrics, q)
    else if (type === 'text/plain') text = Math.max(text, q)
  }
  return openMetrics > 0 && openMetrics >= text
}

interface Exemplar {
  labelSet: Record<string, string | number>
  value: number
  timestamp?: number
}

/** The registry's metrics as OpenMetrics 1.0 text, exemplars included, ending with `# EOF`. */
export async function openMetricsText(registry: Registry): Promise<string> {
  const lines: string[] = []
  for (const metric of await registry.getMetricsAsJSON()) {
    const type = String(metric.type) // 'counter', 'gauge', …: the typings' numeric enum is not what runs
    // OpenMetrics names a counter family without `_total` and its sample with it.
    const family = type === 'counter' ? metric.name.replace(/_total$/, '') : metric.name
    lines.push(`# HELP ${family} ${escape(metric.help)}`, `# TYPE ${family} ${type}`)
    for (const v of metric.values as Array<{ labels: Record<string, string | number>; value: number; metricName?: string; exemplar?: Exemplar | null }>) {
      const name = v.metricName ?? (type === 'counter' ? `${family}_total` : family)
      let line = `${name}${labels(v.labels)} ${number(v.value)}`
      if (v.exemplar?.labelSet && Object.keys(v.exemplar.labelSet).length > 0) {
        line += ` # ${labels(v.exemplar.labelSet)} ${number(v.exemplar.value)}${v.exemplar.timestamp !== undefined ? ` ${v.exemplar.timestamp}` : ''}`
      }
      lines.push(line)
    }
  }
  lines.push('# EOF', '')
  return lines.join('\n')
}

function labels(set: Record<string, string | number | undefined>): string {
  const parts = Object.entries(set)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => `${name}="${escape(String(value))}"`)
  return parts.length ? `{${parts.join(',')}}` : ''
}

function escape(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')
}

function number(value: number): string {
  if (Number.isNaN(value)) return 'NaN'
  if (value === Infinity) return '+Inf'
  if (value === -Infinity) return '-Inf'
  return String(value)
}
