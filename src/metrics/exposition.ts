/**
 * Prometheus text exposition (format 0.0.4, which prom-client emits) parsed into flat samples.
 *
 * Why not parse-prometheus-text-format: it returns untyped, per-family nested objects with
 * histogram buckets keyed by the `le` string, while everything here (deltas between two scrapes,
 * label filters, PromQL-style quantiles) wants one flat list of samples. The grammar is small.
 */
export type Labels = Record<string, string>

export interface Sample {
  name: string
  labels: Labels
  value: number
}

export interface Exposition {
  samples: Sample[]
  /** Family name -> TYPE (counter, gauge, histogram, summary, untyped). */
  types: Map<string, string>
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?\s+(\S+)(?:\s+\S+)?$/

export function parseExposition(text: string): Exposition {
  const samples: Sample[] = []
  const types = new Map<string, string>()
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (!line) continue
    if (line.startsWith('#')) {
      const type = /^#\s*TYPE\s+(\S+)\s+(\S+)/.exec(line)
      if (type) types.set(type[1]!, type[2]!)
      continue
    }
    const match = SAMPLE.exec(line)
    if (!match) continue // tolerate lines we don't understand rather than lose the whole scrape
    const value = parseValue(match[3]!)
    if (value === undefined) continue
    samples.push({ name: match[1]!, labels: match[2] ? parseLabels(match[2]) : {}, value })
  }
  return { samples, types }
}

function parseValue(text: string): number | undefined {
  if (text === '+Inf' || text === 'Inf') return Infinity
  if (text === '-Inf') return -Infinity
  if (text === 'NaN') return NaN
  const n = Number(text)
  return Number.isNaN(n) ? undefined : n
}

/** Parses `{a="x",b="y\"z"}` honouring the three escapes the format defines. */
function parseLabels(block: string): Labels {
  const labels: Labels = {}
  const body = block.slice(1, -1)
  let i = 0
  while (i < body.length) {
    while (body[i] === ',' || body[i] === ' ') i++
    const eq = body.indexOf('=', i)
    if (eq < 0) break
    const name = body.slice(i, eq).trim()
    i = eq + 1
    if (body[i] !== '"') break
    i++
    let value = ''
    while (i < body.length && body[i] !== '"') {
      if (body[i] === '\\' && i + 1 < body.length) {
        const next = body[i + 1]
        value += next === 'n' ? '\n' : next
        i += 2
      } else value += body[i++]
    }
    i++ // closing quote
    labels[name] = value
  }
  return labels
}

export type LabelFilter = (labels: Labels) => boolean

/** Samples of one series name, optionally filtered by labels. */
export function select(expo: Exposition, name: string, filter?: LabelFilter): Sample[] {
  return expo.samples.filter((s) => s.name === name && (!filter || filter(s.labels)))
}

export function sumOf(expo: Exposition, name: string, filter?: LabelFilter): number | undefined {
  const found = select(expo, name, filter)
  return found.length ? found.reduce((a, s) => a + s.value, 0) : undefined
}

/** Sums a series grouped by one or more labels: `sum by (model, kind) (x)`. */
export function sumBy(expo: Exposition, name: string, by: string[], filter?: LabelFilter): Map<string, { labels: Labels; value: number }> {
  const groups = new Map<string, { labels: Labels; value: number }>()
  for (const s of select(expo, name, filter)) {
    const labels = Object.fromEntries(by.map((k) => [k, s.labels[k] ?? '']))
    const key = JSON.stringify(labels)
    const group = groups.get(key) ?? { labels, value: 0 }
    group.value += s.value
    groups.set(key, group)
  }
  return groups
}

export function hasSeries(expo: Exposition, name: string): boolean {
  return expo.samples.some((s) => s.name === name)
}
