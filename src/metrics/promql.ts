import type { Exemplar, Labels } from './exposition.js'
import { getText, MetricsHttpError } from './http.js'

export interface VectorSample {
  metric: Labels
  value: number
}

interface ApiResponse<D = { resultType: string; result: Array<{ metric: Labels; value?: [number, string] }> }> {
  status: 'success' | 'error'
  data?: D
  errorType?: string
  error?: string
}

/** The series an exemplar query selected, each with the exemplars stored for it in the range. */
export interface SeriesExemplars {
  seriesLabels: Labels
  exemplars: Exemplar[]
}

type ExemplarData = Array<{ seriesLabels?: Labels; exemplars?: Array<{ labels?: Labels; value?: string | number; timestamp?: number | string }> }>

/** A minimal client for Prometheus' HTTP API (`/api/v1/query`, `/api/v1/query_exemplars`), bounded per call. */
export class PromQueryClient {
  constructor(
    private readonly baseUrl: string,
    private readonly opts: { signal: AbortSignal; timeoutMs: number },
  ) {}

  async query(expr: string): Promise<VectorSample[]> {
    // Prometheus' own evaluation timeout, so a heavy query is cancelled server-side too.
    const { url, parsed } = await this.get('api/v1/query', { query: expr, timeout: `${Math.max(1, Math.floor(this.opts.timeoutMs / 1000))}s` })
    if (parsed.status !== 'success' || !parsed.data) throw new MetricsHttpError(`query failed (${parsed.errorType ?? 'error'}): ${parsed.error ?? 'no data'}`, url)
    if (parsed.data.resultType === 'scalar') {
      const v = parsed.data.result as unknown as [number, string]
      return [{ metric: {}, value: Number(v[1]) }]
    }
    if (parsed.data.resultType !== 'vector') throw new MetricsHttpError(`expected a vector result, got ${parsed.data.resultType}`, url)
    return parsed.data.result.map((r) => ({ metric: r.metric ?? {}, value: Number(r.value?.[1]) }))
  }

  /**
   * `GET /api/v1/query_exemplars`: the exemplars of the series `expr` selects between two unix
   * times (seconds). Prometheus keeps exemplars only with `--enable-feature=exemplar-storage`;
   * without it the answer is empty.
   */
  async exemplars(expr: string, startSec: number, endSec: number): Promise<SeriesExemplars[]> {
    const { url, parsed } = await this.get<ExemplarData>('api/v1/query_exemplars', { query: expr, start: startSec.toFixed(3), end: endSec.toFixed(3) })
    if (parsed.status !== 'success' || !Array.isArray(parsed.data)) throw new MetricsHttpError(`exemplar query failed (${parsed.errorType ?? 'error'}): ${parsed.error ?? 'no data'}`, url)
    return parsed.data.map((series) => ({
      seriesLabels: series.seriesLabels ?? {},
      exemplars: (series.exemplars ?? [])
        .map((e): Exemplar => ({ labels: e.labels ?? {}, value: Number(e.value), ...(e.timestamp !== undefined ? { timestamp: Number(e.timestamp) } : {}) }))
        .filter((e) => !Number.isNaN(e.value)),
    }))
  }

  private async get<D = ApiResponse['data']>(path: string, params: Record<string, string>): Promise<{ url: string; parsed: ApiResponse<D> }> {
    const url = new URL(path, this.baseUrl.endsWith('/') ? this.baseUrl : `${this.baseUrl}/`)
    for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value)
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
    const parsed = safeJson<D>(body)
    if (!parsed) throw new MetricsHttpError('the answer is not Prometheus API JSON', url.toString())
    return { url: url.toString(), parsed }
  }

  /** The single value of an aggregate query; undefined when the vector is empty (no such series). */
  async scalar(expr: string): Promise<number | undefined> {
    const result = await this.query(expr)
    const value = result[0]?.value
    return value === undefined || Number.isNaN(value) ? undefined : value
  }
}

function safeJson<D>(text: string): ApiResponse<D> | undefined {
  try {
    return JSON.parse(text) as ApiResponse<D>
  } catch {
    return undefined
  }
}

/** A PromQL range literal for a window in milliseconds (Prometheus wants whole units). */
export function promRange(ms: number): string {
  return `${Math.max(1, Math.round(ms / 1000))}s`
}
