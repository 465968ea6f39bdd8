import { type Exemplar, type Exposition, type LabelFilter, type Labels, type Sample, select } from './exposition.js'

export interface Bucket {
  /** Upper bound (the `le` label); +Infinity for the last bucket. */
  le: number
  /** Cumulative count of observations <= le. */
  count: number
}

/**
 * The q-quantile of a cumulative histogram, interpolated linearly inside the bucket that holds the
 * rank — the same rules as PromQL's histogram_quantile(): the lowest bucket starts at 0, a rank in
 * the +Inf bucket returns the highest finite bound, and no observations gives NaN.
 */
export function histogramQuantile(q: number, buckets: readonly Bucket[]): number {
  if (q < 0) return -Infinity
  if (q > 1) return Infinity
  const sorted = [...buckets].sort((a, b) => a.le - b.le)
  if (sorted.length < 2 || sorted[sorted.length - 1]!.le !== Infinity) return NaN
  // Counts can be slightly non-monotonic after a rate() over scrapes; PromQL forces monotonicity too.
  for (let i = 1; i < sorted.length; i++) if (sorted[i]!.count < sorted[i - 1]!.count) sorted[i] = { ...sorted[i]!, count: sorted[i - 1]!.count }
  const total = sorted[sorted.length - 1]!.count
  if (!(total > 0)) return NaN
  const rank = q * total
  let index = sorted.findIndex((b) => b.count >= rank)
  if (index === sorted.length - 1) return sorted[sorted.length - 2]!.le
  if (index < 0) index = sorted.length - 1
  const upper = sorted[index]!
  const lowerBound = index === 0 ? 0 : sorted[index - 1]!.le
  const lowerCount = index === 0 ? 0 : sorted[index - 1]!.count
  if (index === 0 && upper.le <= 0) return upper.le
  const inBucket = upper.count - lowerCount
  if (inBucket <= 0) return upper.le
  return lowerBound + (upper.le - lowerBound) * ((rank - lowerCount) / inBucket)
}

/** `sum by (le)` of a histogram's `_bucket` series, optionally grouped by further labels. */
export function bucketsBy(expo: Exposition, histogram: string, by: string[] = [], filter?: LabelFilter): Map<string, { labels: Labels; buckets: Bucket[] }> {
  const groups = new Map<string, { labels: Labels; perLe: Map<number, number> }>()
  for (const s of select(expo, `${histogram}_bucket`, filter)) {
    const le = s.labels.le === '+Inf' ? Infinity : Number(s.labels.le)
    if (Number.isNaN(le)) continue
    const labels = Object.fromEntries(by.map((k) => [k, s.labels[k] ?? '']))
    const key = JSON.stringify(labels)
    const group = groups.get(key) ?? { labels, perLe: new Map<number, number>() }
    group.perLe.set(le, (group.perLe.get(le) ?? 0) + s.value)
    groups.set(key, group)
  }
  return new Map(
    [...groups].map(([key, g]) => [key, { labels: g.labels, buckets: [...g.perLe].map(([le, count]) => ({ le, count })).sort((a, b) => a.le - b.le) }]),
  )
}

/** p50/p95/p99 in milliseconds from second-based buckets (NaN when there were no observations). */
export function latencyMs(buckets: readonly Bucket[]): { p50: number; p95: number; p99: number; count: number } {
  const toMs = (s: number) => Math.round(s * 1000 * 10) / 10
  return {
    p50: toMs(histogramQuantile(0.5, buckets)),
    p95: toMs(histogramQuantile(0.95, buckets)),
    p99: toMs(histogramQuantile(0.99, buckets)),
    count: buckets.length ? buckets[buckets.length - 1]!.count : 0,
  }
}

const CUMULATIVE_SUFFIX = /_(total|bucket|count|sum|created)$/

/**
 * What happened between two scrapes: counters and histogram/summary parts become `after - before`
 * (a counter that went down was reset by a restart, so the increase is the new value, as PromQL's
 * increase() assumes); gauges keep the later value. A cumulative sample keeps its exemplar only
 * when it changed since the first scrape: a series holds the exemplar of its latest observation,
 * so a changed one was observed inside the window (no clock shared with the agent needed).
 */
export function deltaExposition(before: Exposition, after: Exposition): Exposition {
  const previous = new Map<string, Sample>()
  for (const s of before.samples) previous.set(seriesKey(s), s)
  const samples: Sample[] = after.samples.map((s) => {
    if (!isCumulative(s.name, after.types)) return s
    const old = previous.get(seriesKey(s))
    const { exemplar, ...rest } = s
    const fresh = exemplar && !(old?.exemplar && sameExemplar(old.exemplar, exemplar))
    const value = s.value >= (old?.value ?? 0) ? s.value - (old?.value ?? 0) : s.value
    return { ...rest, value, ...(fresh ? { exemplar } : {}) }
  })
  return { samples, types: after.types }
}

function sameExemplar(a: Exemplar, b: Exemplar): boolean {
  return a.value === b.value && a.timestamp === b.timestamp && JSON.stringify(a.labels) === JSON.stringify(b.labels)
}

function isCumulative(name: string, types: Map<string, string>): boolean {
  if (name.endsWith('_created')) return false
  const family = name.replace(CUMULATIVE_SUFFIX, '')
  const type = types.get(family) ?? types.get(name)
  if (type === 'counter' || type === 'histogram' || type === 'summary') return CUMULATIVE_SUFFIX.test(name) || type === 'counter'
  if (type === 'gauge') return false
  return name.endsWith('_total')
}

function seriesKey(s: Sample): string {
  return s.name + JSON.stringify(Object.entries(s.labels).sort(([a], [b]) => a.localeCompare(b)))
}
