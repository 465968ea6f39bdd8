/**
 * Prometheus text exposition (format 0.0.4, which prom-client emits) and OpenMetrics 1.0 text
 * (which diagnose asks for, for its exemplars) parsed into flat samples.
 *
 * Why not parse-prometheus-text-format: it returns untyped, per-family nested objects with
 * histogram buckets keyed by the `le` string, while everything here (deltas between two scrapes,
 * label filters, PromQL-style quantiles) wants one flat list of samples. The grammar is small.
 * The two formats share it: OpenMetrics adds an exemplar after a sample
 * (`x_bucket{le="5"} 12 # {trace_id="abc"} 4.2 1700000000.123`), names a counter's family without
 * `_total` in its TYPE line, and ends with `# EOF` (a comment here).
 */
export type Labels = Record<string, string>

/** An OpenMetrics exemplar: one observation the sample counted, with its labels (a trace id). */
export interface Exemplar {
  labels: Labels
  value: number
  /** Unix seconds, when the exposition gives one. */
  timestamp?: number
}

export interface Sample {
  name: string
  labels: Labels
  value: number
  exemplar?: Exemplar
}

export interface Exposition {
  samples: Sample[]
  /** Family name -> TYPE (counter, gauge, histogram, summary, untyped). */
  types: Map<string, string>
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/

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
    // Tolerate lines we don't understand rather than lose the whole scrape.
    const sample = parseSample(line)
    if (sample) samples.push(sample)
  }
  return { samples, types }
}

/** `name{labels} value [timestamp] [# {labels} value [timestamp]]`, or undefined when malformed. */
function parseSample(line: string): Sample | undefined {
  const name = NAME.exec(line)?.[0]
  if (!name) return undefined
  let labels: Labels = {}
  let rest = line.slice(name.length)
  if (rest.startsWith('{')) {
    // Scanned quote by quote: a label value may hold `}`, `#` or spaces.
    const block = parseLabels(rest)
    if (!block) return undefined
    labels = block.labels
    rest = rest.slice(block.end)
  }
  if (!/^\s/.test(rest)) return undefined
  const hash = rest.indexOf(' # ')
  const value = valueAndTimestamp(hash < 0 ? rest : rest.slice(0, hash))
  if (!value) return undefined
  const exemplar = hash < 0 ? undefined : parseExemplar(rest.slice(hash + 3).trim())
  return { name, labels, value: value.value, ...(exemplar ? { exemplar } : {}) }
}

/** `{labels} value [timestamp]`; a malformed exemplar is dropped, never its sample. */
function parseExemplar(text: string): Exemplar | undefined {
  const block = text.startsWith('{') ? parseLabels(text) : undefined
  const value = block && valueAndTimestamp(text.slice(block.end))
  if (!block || !value) return undefined
  return { labels: block.labels, value: value.value, ...(value.timestamp !== undefined ? { timestamp: value.timestamp } : {}) }
}

function valueAndTimestamp(text: string): { value: number; timestamp?: number } | undefined {
  const fields = text.trim().split(/\s+/)
  if (fields.length > 2) return undefined
  const value = parseValue(fields[0]!)
  if (value === undefined) return undefined
  const timestamp = fields[1] === undefined ? undefined : Number(fields[1])
  return { value, ...(timestamp !== undefined && Number.isFinite(timestamp) ? { timestamp } : {}) }
}

function parseValue(text: string): number | undefined {
  if (text === '+Inf' || text === 'Inf') return Infinity
  if (text === '-Inf') return -Infinity
  if (text === 'NaN') return NaN
  if (text === '') return undefined
  const n = Number(text)
  return Number.isNaN(n) ? undefined : n
}

/**
 * Parses `{a="x",b="y\"z"}` at the start of `text`, honouring the three escapes the format
 * defines; `end` is the index just past the closing brace. Undefined when the block never closes.
 */
function parseLabels(text: string): { labels: Labels; end: number } | undefined {
  const labels: Labels = {}
  let i = 1
  for (;;) {
    while (text[i] === ',' || text[i] === ' ') i++
    if (i >= text.length) return undefined
    if (text[i] === '}') return { labels, end: i + 1 }
    const eq = text.indexOf('=', i)
    if (eq < 0) return undefined
    const name = text.slice(i, eq).trim()
    i = eq + 1
    if (text[i] !== '"') return undefined
    i++
    let value = ''
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\\' && i + 1 < text.length) {
        const next = text[i + 1]
        value += next === 'n' ? '\n' : next
        i += 2
      } else value += text[i++]
    }
    if (i >= text.length) return undefined
    i++ // closing quote
    labels[name] = value
  }
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
