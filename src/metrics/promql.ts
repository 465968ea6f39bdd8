import type { Labels } from './exposition.js'
import { getText, MetricsHttpError } from './http.js'

export interface VectorSample {
  metric: Labels
  value: number
}

interface ApiResponse {
  status: 'success' | 'error'
  data?: { resultType: string; result: Array<{ metric: Labels; value?: [number, string] }> }
  errorType?: string
  error?: string
}

/** A minimal client for Prometheus' instant-query API (`GET /api/v1/query`), bounded per call. */
export class PromQueryClient {
  constructor(
    private readonly baseUrl: string,
    private readonly opts: { signal: AbortSignal; timeoutMs: number },
  ) {}

  async query(expr: string): Promise<VectorSample[]> {
    const url = new URL('api/v1/query', this.baseUrl.endsWith('/') ? this.baseUrl : `${this.baseUrl}/`)
    url.searchParams.set('query', expr)
    // Prometheus' own evaluation timeout, so a heavy query is cancelled server-side too.
    url.searchParams.set('timeout', `${Math.max(1, Math.floor(this.opts.timeoutMs / 1000))}s`)
    let body: string
    try {
      body = await getText(url.toString(), { ...this.opts, accept: 'application/json' })
    } catch (error) {
      // Prometheus answers 400/422 with a JSON error body that says what was wrong with the query.
      if (error instanceof MetricsHttpError && error.status && error.message.includes('"error"')) {
        const parsed = safeJson(error.message.slice(error.message.indexOf('{')))
        if (parsed?.error) throw new MetricsHttpError(`query rejected (${parsed.errorType}): ${parsed.error}`, error.url, error.status)
      }
      throw error
    }
    const parsed = safeJson(body)
    if (!parsed) throw new MetricsHttpError('the answer is not Prometheus API JSON', url.toString())
    if (parsed.status !== 'success' || !parsed.data) throw new MetricsHttpError(`query failed (${parsed.errorType ?? 'error'}): ${parsed.error ?? 'no data'}`, url.toString())
    if (parsed.data.resultType === 'scalar') {
      const v = parsed.data.result as unknown as [number, string]
      return [{ metric: {}, value: Number(v[1]) }]
    }
    if (parsed.data.resultType !== 'vector') throw new MetricsHttpError(`expected a vector result, got ${parsed.data.resultType}`, url.toString())
    return parsed.data.result.map((r) => ({ metric: r.metric ?? {}, value: Number(r.value?.[1]) }))
  }

  /** The single value of an aggregate query; undefined when the vector is empty (no such series). */
  async scalar(expr: string): Promise<number | undefined> {
    const result = await this.query(expr)
    const value = result[0]?.value
    return value === undefined || Number.isNaN(value) ? undefined : value
  }
}

function safeJson(text: string): ApiResponse | undefined {
  try {
    return JSON.parse(text) as ApiResponse
  } catch {
    return undefined
  }
}

/** A PromQL range literal for a window in milliseconds (Prometheus wants whole units). */
export function promRange(ms: number): string {
  return `${Math.max(1, Math.round(ms / 1000))}s`
}
