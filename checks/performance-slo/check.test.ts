import { afterEach, describe, expect, it } from 'vitest'
import { check } from './check.js'
import { fakeMetricsEndpoint, fakePrometheus, type FakeServer, metricsFixture, vectorFromFixtures } from '../../test/support/fake-metrics.js'
import { insightContext } from '../../test/support/insight-context.js'

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
})
