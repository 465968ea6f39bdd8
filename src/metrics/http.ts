import { probeHttp } from '../probes/http.js'

/** Bounded HTTP GETs for metrics sources: every call ends by its own deadline or the check's signal. */
export class MetricsHttpError extends Error {
  constructor(
    message: string,
    readonly url: string,
    readonly status?: number,
  ) {
    super(message)
    this.name = 'MetricsHttpError'
  }
}

/** A large agent (many routes x models x buckets) can expose megabytes; a truncated scrape would skew every delta. */
const MAX_METRICS_BYTES = 16 * 2 ** 20

/** GET through the shared probe (src/probes): classified network errors, hard deadline, bounded body. */
export async function getText(url: string, opts: { signal: AbortSignal; timeoutMs: number; bearer?: string; accept?: string }): Promise<string> {
  const headers: Record<string, string> = { accept: opts.accept ?? 'text/plain' }
  if (opts.bearer) headers.authorization = `Bearer ${opts.bearer}`
  const result = await probeHttp(url, { signal: opts.signal, timeoutMs: Math.max(1, opts.timeoutMs), headers, maxBodyBytes: MAX_METRICS_BYTES })
  if (!result.ok) {
    const e = result.error
    throw new MetricsHttpError(e.kind === 'timeout' ? `no answer within ${opts.timeoutMs}ms` : `${e.summary}${e.code && !e.summary.includes(e.code) ? ` (${e.code})` : ''}`, url)
  }
  if (result.truncated) throw new MetricsHttpError(`the answer exceeds ${MAX_METRICS_BYTES / 2 ** 20} MiB`, url, result.status)
  if (result.status < 200 || result.status >= 300) throw new MetricsHttpError(`HTTP ${result.status}${result.body ? `: ${result.body.slice(0, 200)}` : ''}`, url, result.status)
  return result.body
}
