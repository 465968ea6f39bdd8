import { describe, expect, it } from 'vitest'
import { parseExposition, sumBy, sumOf } from './exposition.js'
import { bucketsBy, deltaExposition, histogramQuantile } from './histogram.js'

describe('histogramQuantile (PromQL semantics)', () => {
  const buckets = [
    { le: 0.1, count: 10 },
    { le: 0.5, count: 60 },
    { le: 1, count: 90 },
    { le: Infinity, count: 100 },
  ]
  it('interpolates linearly inside the bucket holding the rank', () => {
    expect(histogramQuantile(0.5, buckets)).toBeCloseTo(0.1 + 0.4 * (40 / 50)) // rank 50 in (0.1, 0.5]
    expect(histogramQuantile(0.05, buckets)).toBeCloseTo(0.05) // first bucket starts at 0
  })
  it('returns the highest finite bound for a rank in +Inf, NaN with no observations or no +Inf', () => {
    expect(histogramQuantile(0.95, buckets)).toBe(1)
    expect(histogramQuantile(0.5, [{ le: 1, count: 0 }, { le: Infinity, count: 0 }])).toBeNaN()
    expect(histogramQuantile(0.5, [{ le: 1, count: 3 }])).toBeNaN()
    expect(histogramQuantile(1.5, buckets)).toBe(Infinity)
  })
})

describe('exposition parsing and deltas', () => {
  const text = (n: number, g: number) => `# HELP x_total a counter
# TYPE x_total counter
x_total{route="/chat",msg="a \\"quoted\\" \\\\ value"} ${n}
# TYPE lat_seconds histogram
lat_seconds_bucket{le="0.5"} ${n}
lat_seconds_bucket{le="+Inf"} ${n * 2}
lat_seconds_sum ${n}
lat_seconds_count ${n * 2}
# TYPE temp gauge
temp ${g}
`
  it('parses labels with escapes, +Inf buckets and types', () => {
    const e = parseExposition(text(5, 1))
    expect(e.samples[0]).toEqual({ name: 'x_total', labels: { route: '/chat', msg: 'a "quoted" \\ value' }, value: 5 })
    expect(e.types.get('lat_seconds')).toBe('histogram')
    expect([...bucketsBy(e, 'lat_seconds').values()][0]!.buckets).toEqual([{ le: 0.5, count: 5 }, { le: Infinity, count: 10 }])
  })
  it('subtracts counters and histogram parts, keeps gauges, and treats a decrease as a restart', () => {
    const d = deltaExposition(parseExposition(text(5, 1)), parseExposition(text(8, 7)))
    expect(sumOf(d, 'x_total')).toBe(3)
    expect(sumOf(d, 'lat_seconds_count')).toBe(6)
    expect(sumOf(d, 'temp')).toBe(7)
    const reset = deltaExposition(parseExposition(text(50, 1)), parseExposition(text(4, 1)))
    expect(sumOf(reset, 'x_total')).toBe(4)
  })
  it('sums by labels like PromQL sum by', () => {
    const e = parseExposition('t{model="a",kind="p"} 1\nt{model="a",kind="p",pod="2"} 2\nt{model="b",kind="p"} 5\n')
    expect([...sumBy(e, 't', ['model']).values()].map((g) => [g.labels.model, g.value])).toEqual([['a', 3], ['b', 5]])
  })
})
