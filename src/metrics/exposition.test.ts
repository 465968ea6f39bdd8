import { describe, expect, it } from 'vitest'
import { slowestTraces, traceIdOf } from './exemplars.js'
import { parseExposition, select } from './exposition.js'
import { deltaExposition } from './histogram.js'
import { metricsFixture } from '../../test/support/fake-metrics.js'

const A = '4bf92f3577b34da6a3ce929d0e0e4736'
const B = '0af7651916cd43dd8448eb211c80319c'

describe('the classic text format (0.0.4)', () => {
  it('parses what it always parsed: labels with escapes and braces, timestamps, special values, comments', () => {
    const e = parseExposition(
      [
        '# HELP x_total a counter',
        '# TYPE x_total counter',
        'x_total{path="/a}b",msg="say \\"hi\\"\\nthere",back="c:\\\\d"} 3 1700000000000',
        'up 1',
        'g{a="1"} +Inf',
        'h{a="1"} NaN',
        'n{a="1"}   -Inf  ',
        'weird line with words',
        'bad{a="unclosed} 1',
        'v{a="1"} not-a-number',
        'w{a="1"} 1 2 3',
      ].join('\n'),
    )
    expect(e.types.get('x_total')).toBe('counter')
    expect(e.samples.map((s) => s.name)).toEqual(['x_total', 'up', 'g', 'h', 'n'])
    expect(e.samples[0]).toEqual({ name: 'x_total', labels: { path: '/a}b', msg: 'say "hi"\nthere', back: 'c:\\d' }, value: 3 })
    expect(e.samples[2]!.value).toBe(Infinity)
    expect(e.samples[3]!.value).toBeNaN()
    expect(e.samples[4]!.value).toBe(-Infinity)
    expect(e.samples.some((s) => 'exemplar' in s)).toBe(false)
  })

  it('reads the fixture scrape sample for sample as before', () => {
    const e = parseExposition(metricsFixture('agent-scrape-2.prom'))
    const lines = metricsFixture('agent-scrape-2.prom').split('\n').filter((l) => l && !l.startsWith('#'))
    expect(e.samples).toHaveLength(lines.length)
    expect(select(e, 'agent_http_request_duration_seconds_bucket', (l) => l.route === '/chat' && l.status === '200' && l.le === '5')[0]!.value).toBe(1090)
  })
})

describe('OpenMetrics 1.0 text with exemplars', () => {
  const text = [
    '# HELP agent_http_requests HTTP requests served',
    '# TYPE agent_http_requests counter',
    'agent_http_requests_total{route="/chat",status="200"} 12',
    '# TYPE agent_http_request_duration_seconds histogram',
    `agent_http_request_duration_seconds_bucket{le="5",route="/chat"} 12 # {trace_id="${A}"} 4.2 1700000000.123`,
    `agent_http_request_duration_seconds_bucket{le="+Inf",route="/chat"} 13 # {trace_id="${B}"} 31`,
    'agent_http_request_duration_seconds_bucket{le="1",route="/a # b"} 2',
    'agent_http_request_duration_seconds_bucket{le="2.5",route="/chat"} 7 # {trace_id="unterminated} 1',
    'agent_http_requests_created{route="/chat",status="200"} 1700000000.5',
    '# EOF',
  ].join('\n')

  it('keeps the sample and its value, and reads the exemplar beside it', () => {
    const e = parseExposition(text)
    const [five, inf, hashInLabel, badExemplar] = select(e, 'agent_http_request_duration_seconds_bucket')
    expect(five).toEqual({ name: 'agent_http_request_duration_seconds_bucket', labels: { le: '5', route: '/chat' }, value: 12, exemplar: { labels: { trace_id: A }, value: 4.2, timestamp: 1700000000.123 } })
    expect(inf).toMatchObject({ value: 13, exemplar: { labels: { trace_id: B }, value: 31 } })
    expect(inf!.exemplar!.timestamp).toBeUndefined()
    // ' # ' inside a label value is not an exemplar.
    expect(hashInLabel).toEqual({ name: 'agent_http_request_duration_seconds_bucket', labels: { le: '1', route: '/a # b' }, value: 2 })
    // A malformed exemplar is dropped, never its sample.
    expect(badExemplar).toEqual({ name: 'agent_http_request_duration_seconds_bucket', labels: { le: '2.5', route: '/chat' }, value: 7 })
    expect(e.types.get('agent_http_requests')).toBe('counter')
  })

  it('subtracts an OpenMetrics counter (family named without _total) and keeps only the exemplars new in the window', () => {
    const before = parseExposition(text)
    const afterText = text.replace(' 12\n', ' 20\n').replace(' 12 # ', ' 14 # ')
    const d = deltaExposition(before, parseExposition(afterText))
    expect(select(d, 'agent_http_requests_total')[0]!.value).toBe(8)
    expect(select(d, 'agent_http_request_duration_seconds_bucket')[0]!.value).toBe(2)
    // Neither exemplar changed between the scrapes: both were recorded before the window.
    expect(select(d, 'agent_http_request_duration_seconds_bucket').filter((s) => s.exemplar)).toHaveLength(0)
    const later = parseExposition(afterText.replace(`{trace_id="${A}"} 4.2 1700000000.123`, `{trace_id="${B}"} 4.9 1700000001.5`))
    const [five] = select(deltaExposition(before, later), 'agent_http_request_duration_seconds_bucket')
    expect(five!.exemplar).toEqual({ labels: { trace_id: B }, value: 4.9, timestamp: 1700000001.5 })
    // A gauge-like _created sample is never subtracted.
    expect(select(d, 'agent_http_requests_created')[0]!.value).toBe(1700000000.5)
  })
})

describe('trace ids from exemplars', () => {
  it('reads W3C trace ids under trace_id, traceId or traceID, and nothing else', () => {
    expect(traceIdOf({ labels: { trace_id: A }, value: 1 })).toBe(A)
    expect(traceIdOf({ labels: { traceId: A.toUpperCase() }, value: 1 })).toBe(A)
    expect(traceIdOf({ labels: { traceID: A, span_id: '00f067aa0ba902b7' }, value: 1 })).toBe(A)
    expect(traceIdOf({ labels: { trace_id: '00f067aa0ba902b7' }, value: 1 })).toBeUndefined()
    expect(traceIdOf({ labels: { trace_id: '0'.repeat(32) }, value: 1 })).toBeUndefined()
    expect(traceIdOf({ labels: { trace_id: `${A}"><script>` }, value: 1 })).toBeUndefined()
    expect(traceIdOf({ labels: { user: A }, value: 1 })).toBeUndefined()
  })

  it('names the slowest first, only those above the threshold when there are such, at most three, each once', () => {
    const ids = Array.from({ length: 6 }, (_, i) => String(i + 1).repeat(32))
    const req = (i: number, seconds: number) => ({ traceId: ids[i]!, seconds })
    expect(slowestTraces([req(0, 4), req(1, 9), req(2, 0.5), req(1, 9), req(3, 6), req(4, 5)], 3)).toEqual([ids[1], ids[3], ids[4]])
    expect(slowestTraces([req(0, 4), req(2, 0.5)], 3)).toEqual([ids[0]])
    // None above: the slowest seen still lead somewhere.
    expect(slowestTraces([req(2, 0.5), req(0, 1.2)], 3)).toEqual([ids[0], ids[2]])
    expect(slowestTraces([], 3)).toEqual([])
  })
})
