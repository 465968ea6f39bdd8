import { afterEach, describe, expect, it } from 'vitest'
import { check } from './check.js'
import { fakeMetricsEndpoint, fakePrometheus, type FakeServer, metricsFixture, OPENMETRICS_CONTENT_TYPE, vectorFromFixtures } from '../../test/support/fake-metrics.js'
import { insightContext } from '../../test/support/insight-context.js'
import { runChecks } from '../../src/runner.js'
import { MAX_TRACE_IDS } from '../../src/traces.js'

const before = metricsFixture('agent-scrape-1.prom')
const after = metricsFixture('agent-scrape-2.prom')
let server: FakeServer | undefined
afterEach(async () => server?.close())

describe('performance-slo', () => {
  it('computes percentiles and the 5xx rate from two scrapes and fails the error SLO', async () => {
    server = await fakeMetricsEndpoint([before, after])
    const ctx = insightContext({ target: { url: server.url }, slo: { p95Ms: 5000, errorRate: 0.01 } }, { windowMs: 300 })
    const out = await check.run(ctx)
    expect(Array.isArray(out)).toBe(true)
    const [latency, errors] = out as Array<{ status: string; evidence: Record<string, unknown>; message: string }>
    // 90 requests <= 1 s, 10 in (2.5 s, 5 s]: PromQL interpolation gives p50 777.8 ms, p95 3750 ms.
    expect(latency!.evidence).toMatchObject({ p50Ms: 777.8, p95Ms: 3750, p99Ms: 4750, requests: 100 })
    expect(latency!.status).toBe('pass')
    expect(errors!.status).toBe('fail')
    expect(errors!.evidence).toMatchObject({ requests: 100, errors5xx: 5, errorRate: 0.05 })
    // The sample length is stated, and /metrics scrapes are not counted as traffic.
    expect(String(latency!.evidence.window)).toMatch(/ms|s$/)
    expect(server.requests.filter((r) => r === '/metrics')).toHaveLength(2)
  })

  it('fails the latency SLO when p95 is above it', async () => {
    server = await fakeMetricsEndpoint([before, after])
    const ctx = insightContext({ target: { url: server.url }, slo: { p95Ms: 3000, errorRate: 0.1 } }, { windowMs: 200 })
    const [latency, errors] = (await check.run(ctx)) as Array<{ status: string; message: string }>
    expect(latency!.status).toBe('fail')
    expect(latency!.message).toContain('p95 3750ms exceeds the SLO of 3000ms')
    expect(errors!.status).toBe('pass')
  })

  it('says a fresh agent exports the request metrics but served no chats (probe routes only), not that it exports none', async () => {
    const scrape = (health: number) =>
      [
        '# TYPE agent_http_requests_total counter',
        `agent_http_requests_total{method="GET",route="/health",status="200"} ${health}`,
        `agent_http_requests_total{method="GET",route="/metrics",status="200"} ${health}`,
        '# TYPE agent_http_request_duration_seconds histogram',
        `agent_http_request_duration_seconds_bucket{method="GET",route="/health",le="0.1"} ${health}`,
        `agent_http_request_duration_seconds_bucket{method="GET",route="/health",le="+Inf"} ${health}`,
        `agent_http_request_duration_seconds_sum{method="GET",route="/health"} 0.01`,
        `agent_http_request_duration_seconds_count{method="GET",route="/health"} ${health}`,
        '',
      ].join('\n')
    server = await fakeMetricsEndpoint([scrape(1), scrape(2)])
    const ctx = insightContext({ target: { url: server.url } }, { windowMs: 200 })
    const out = (await check.run(ctx)) as { status: string; message: string; evidence: Record<string, unknown> }
    expect(out.status).toBe('skip')
    expect(out.message).not.toContain('does not export')
    expect(out.message).toMatch(/exports agent_http_requests_total but served no requests other than probes .*no latency or error rate to judge/)
    expect(out.evidence.requests).toBe(0)
  })

  it('still says the agent exports no request metrics when it has none at all', async () => {
    server = await fakeMetricsEndpoint(['# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total 1\n', '# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total 2\n'])
    const out = (await check.run(insightContext({ target: { url: server.url } }, { windowMs: 200 }))) as { status: string; message: string }
    expect(out).toMatchObject({ status: 'skip', message: expect.stringContaining('does not export the request metrics') })
  })

  it('reads the same figures from Prometheus with increase() over --window', async () => {
    server = await fakePrometheus((q) => vectorFromFixtures(q, before, after))
    const ctx = insightContext({ dependencies: { prometheus: server.url }, slo: { p95Ms: 5000, errorRate: 0.01 } }, { windowMs: 5 * 60_000 })
    const [latency, errors] = (await check.run(ctx)) as Array<{ status: string; evidence: Record<string, unknown> }>
    expect(latency!.evidence).toMatchObject({ p95Ms: 3750, requests: 100, window: '5.0m' })
    expect(errors!.status).toBe('fail')
    expect(server.requests.some((r) => decodeURIComponent(r).includes('[300s]'))).toBe(true)
  })

  it('reports an unreachable metrics endpoint as an error with a curl command', async () => {
    server = await fakeMetricsEndpoint([before], { status: 503 })
    const ctx = insightContext({ target: { url: server.url } }, { windowMs: 200 })
    const out = (await check.run(ctx)) as { status: string; message: string; remediation: string }
    expect(out.status).toBe('error')
    expect(out.message).toContain('HTTP 503')
    expect(out.remediation).toContain('curl -s')
  })

  it('says "connection refused" for a closed port, within the budget', async () => {
    const { createServer } = await import('node:net')
    const probe = createServer().listen(0, '127.0.0.1')
    await new Promise((r) => probe.once('listening', r))
    const port = (probe.address() as { port: number }).port
    await new Promise((r) => probe.close(r))
    const out = (await check.run(insightContext({ target: { url: `http://127.0.0.1:${port}` } }, { windowMs: 200 }, 2000))) as { status: string; message: string }
    expect(out.status).toBe('error')
    expect(out.message).toMatch(/refused/i)
  })

  describe('points a slow latency finding at the traces of the slowest requests (exemplars)', () => {
    const trace = (c: string) => c.repeat(32)
    const [OLD, SLOWEST, SLOW, FAST, PROBE, FOURTH] = ['a', 'b', 'c', 'd', 'e', 'f'].map(trace) as [string, string, string, string, string, string]
    const series = (le: string, status: string, route = '/chat') => `agent_http_request_duration_seconds_bucket{le="${le}",route="${route}",method="${route === '/chat' ? 'POST' : 'GET'}",status="${status}"}`
    /** The fixture as OpenMetrics: counter families without _total, exemplars on some buckets, # EOF. */
    const openMetrics = (text: string, exemplars: Array<[string, string, number, number]>) => {
      let out = text.replace(/^# (HELP|TYPE) (\w+)_total /gm, '# $1 $2 ')
      for (const [line, id, seconds, at] of exemplars) {
        const at0 = out.indexOf(`${line} `)
        expect(at0, line).toBeGreaterThanOrEqual(0)
        const end = out.indexOf('\n', at0)
        out = `${out.slice(0, end)} # {trace_id="${id}"} ${seconds} ${at}${out.slice(end)}`
      }
      return `${out}# EOF\n`
    }
    const oldOne: [string, string, number, number] = [series('5', '200'), OLD, 4.1, 1700000000.1]
    const scrapes = () => [
      openMetrics(before, [oldOne]),
      openMetrics(after, [
        oldOne, // unchanged since the first scrape: recorded before the window
        [series('5', '500'), SLOW, 3.2, 1700000005.2],
        [series('10', '200'), SLOWEST, 6.4, 1700000005.3],
        [series('1', '200'), FAST, 0.8, 1700000005.4], // under the SLO: left out while slower ones exist
        [series('0.05', '200', '/metrics'), PROBE, 0.01, 1700000005.5], // a probe, never traffic
      ]),
    ]

    it('without Prometheus: asks /metrics for OpenMetrics, and the failing finding names the new, slow exemplars slowest first', async () => {
      server = await fakeMetricsEndpoint(scrapes(), { contentType: OPENMETRICS_CONTENT_TYPE })
      const ctx = insightContext({ target: { url: server.url }, slo: { p95Ms: 3000, errorRate: 0.1 } }, { windowMs: 200 })
      const [latency, errors] = await runChecks([check], { mode: 'diagnose', config: ctx.config, timeoutMs: 5000, options: { windowMs: 200 } })
      expect(server.accepts[0]).toMatch(/^application\/openmetrics-text;version=1\.0\.0;q=[\d.]+,text\/plain;version=0\.0\.4/)
      // The same figures as from the classic text.
      expect(latency!.evidence).toMatchObject({ p95Ms: 3750, requests: 100 })
      expect(latency!.status).toBe('fail')
      expect(latency!.evidence.traceIds).toEqual([SLOWEST, SLOW])
      expect(latency!.remediation).toContain(`slowest requests (slowest first)`)
      expect(latency!.remediation).toContain(`The requests behind this are traces ${SLOWEST}, ${SLOW} in your tracing backend (exemplars on the agent's metrics`)
      // Only a non-pass latency finding names traces.
      expect(errors!.status).toBe('pass')
      expect(errors!.evidence.traceIds).toBeUndefined()
    })

    it('links them through target.traceUrl, at most three', async () => {
      const more = scrapes()
      more[1] = more[1]!.replace(`${series('30', '200')} 1090`, `${series('30', '200')} 1090 # {trace_id="${FOURTH}"} 3.5 1700000005.6`)
      server = await fakeMetricsEndpoint(more, { contentType: OPENMETRICS_CONTENT_TYPE })
      const config = insightContext({ target: { url: server.url, traceUrl: 'http://jaeger:16686/trace/{traceId}' }, slo: { p95Ms: 3000, errorRate: 0.1 } }).config
      const [latency] = await runChecks([check], { mode: 'diagnose', config, timeoutMs: 5000, options: { windowMs: 200 } })
      expect(latency!.evidence.traceIds).toEqual([SLOWEST, FOURTH, SLOW])
      expect(latency!.evidence.traceIds).toHaveLength(MAX_TRACE_IDS)
      expect(latency!.evidence.traceUrls).toEqual([SLOWEST, FOURTH, SLOW].map((id) => `http://jaeger:16686/trace/${id}`))
    })

    it('with no exemplars, behaves exactly as before', async () => {
      server = await fakeMetricsEndpoint([openMetrics(before, []), openMetrics(after, [])], { contentType: OPENMETRICS_CONTENT_TYPE })
      const ctx = insightContext({ target: { url: server.url }, slo: { p95Ms: 3000, errorRate: 0.1 } }, { windowMs: 200 })
      const [latency] = (await check.run(ctx)) as Array<{ status: string; evidence: Record<string, unknown>; remediation: string }>
      expect(latency!.status).toBe('fail')
      expect(latency!.evidence.traceIds).toBeUndefined()
      expect(latency!.remediation).toMatch(/^Find the slow route and the LLM share: curl -s \S+ \| grep agent_llm_request_duration_seconds$/)
    })

    it("with Prometheus: reads its exemplar API over the window, probe routes left out", async () => {
      let asked: URLSearchParams | undefined
      server = await fakePrometheus(
        (q) => vectorFromFixtures(q, before, after),
        (query, params) => {
          asked = params
          expect(query).toBe('agent_http_request_duration_seconds_bucket{route!~"/metrics|/health|/ready"}')
          return [
            { seriesLabels: { __name__: 'agent_http_request_duration_seconds_bucket', le: '5', route: '/chat' }, exemplars: [{ labels: { trace_id: SLOW }, value: '3.2', timestamp: 1700000005.2 }, { labels: { trace_id: FAST }, value: '0.9', timestamp: 1700000005.4 }] },
            { seriesLabels: { __name__: 'agent_http_request_duration_seconds_bucket', le: '10', route: '/chat' }, exemplars: [{ labels: { trace_id: SLOWEST }, value: '6.4', timestamp: 1700000005.3 }] },
          ]
        },
      )
      const config = insightContext({ dependencies: { prometheus: server.url }, slo: { p95Ms: 3000, errorRate: 0.1 } }).config
      const [latency] = await runChecks([check], { mode: 'diagnose', config, timeoutMs: 5000, options: { windowMs: 5 * 60_000 } })
      expect(latency!.status).toBe('fail')
      expect(latency!.evidence.traceIds).toEqual([SLOWEST, SLOW])
      expect(latency!.remediation).toContain(`traces ${SLOWEST}, ${SLOW}`)
      // The window the figures cover: the last five minutes.
      expect(Number(asked!.get('end')) - Number(asked!.get('start'))).toBeCloseTo(300, 0)
      expect(Math.abs(Number(asked!.get('end')) - Date.now() / 1000)).toBeLessThan(30)
    })

    it.each([
      ['answers 400 (exemplar storage off in an older Prometheus)', () => 400],
      ['answers an empty list', () => []],
    ])('with Prometheus that %s: no trace ids, the same finding, never an error', async (_, answer) => {
      server = await fakePrometheus((q) => vectorFromFixtures(q, before, after), answer as () => number | [])
      const ctx = insightContext({ dependencies: { prometheus: server.url }, slo: { p95Ms: 3000, errorRate: 0.1 } }, { windowMs: 5 * 60_000 })
      const [latency] = (await check.run(ctx)) as Array<{ status: string; evidence: Record<string, unknown>; message: string }>
      expect(latency!.status).toBe('fail')
      expect(latency!.message).toContain('p95 3750ms exceeds the SLO of 3000ms')
      expect(latency!.evidence.traceIds).toBeUndefined()
      expect(server.requests.some((r) => r.startsWith('/api/v1/query_exemplars'))).toBe(true)
    })

    it('asks for no exemplar when latency passes', async () => {
      server = await fakePrometheus((q) => vectorFromFixtures(q, before, after), () => [])
      const ctx = insightContext({ dependencies: { prometheus: server.url }, slo: { p95Ms: 5000, errorRate: 0.1 } }, { windowMs: 5 * 60_000 })
      const [latency] = (await check.run(ctx)) as Array<{ status: string }>
      expect(latency!.status).toBe('pass')
      expect(server.requests.some((r) => r.startsWith('/api/v1/query_exemplars'))).toBe(false)
    })
  })
})
