import { afterEach, describe, expect, it } from 'vitest'
import { check } from './check.js'
import { fakeMetricsEndpoint, fakePrometheus, type FakeServer, metricsFixture, vectorFromFixtures } from '../../test/support/fake-metrics.js'
import { insightContext } from '../../test/support/insight-context.js'

const before = metricsFixture('agent-scrape-1.prom')
const after = metricsFixture('agent-scrape-2.prom')
let server: FakeServer | undefined
afterEach(async () => server?.close())

type Out = { status: string; title: string; message: string; evidence: Record<string, unknown>; remediation?: string }

describe('llm-latency', () => {
  it('reports each model from the scrape deltas, flagging rate limiting', async () => {
    server = await fakeMetricsEndpoint([before, after])
    const out = (await check.run(insightContext({ target: { url: server.url } }, { windowMs: 200 }))) as Out[]
    expect(out.map((o) => o.title)).toEqual(['LLM gpt-4o', 'LLM gpt-4o-mini'])
    const [big, mini] = out
    // 87 calls in the window: 80 success, 5 error, 2 rate_limited -> 8% failures -> warn.
    expect(big!.evidence).toMatchObject({ calls: 87, outcomes: { success: 80, error: 5, rate_limited: 2 } })
    expect(big!.status).toBe('warn')
    expect(big!.remediation).toContain('throttling')
    expect(mini!.status).toBe('pass')
    expect(mini!.evidence.p95Ms).toBeLessThan(500)
  })

  it('fails a model whose LLM p95 alone exceeds the request SLO (via Prometheus)', async () => {
    server = await fakePrometheus((q) => vectorFromFixtures(q, before, after))
    const out = (await check.run(insightContext({ dependencies: { prometheus: server.url }, slo: { p95Ms: 2000 } }, { windowMs: 10 * 60_000 }))) as Out[]
    expect(out[0]!.status).toBe('fail')
    expect(out[0]!.message).toContain('exceeds the 2000ms request SLO')
    expect(out[0]!.remediation).toContain('promtool query instant')
  })
})
