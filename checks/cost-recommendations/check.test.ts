import { afterEach, describe, expect, it } from 'vitest'
import { check, cheaperSibling } from './check.js'
import { fakeMetricsEndpoint, fakePrometheus, type FakeServer, metricsFixture, vectorFromFixtures } from '../../test/support/fake-metrics.js'
import { byTitle } from '../../test/support/kube-context.js'
import { insightContext } from '../../test/support/insight-context.js'
import { shippedPricing } from '../../src/pricing.js'

const before = metricsFixture('agent-scrape-1.prom')
const after = metricsFixture('agent-scrape-2.prom')
let server: FakeServer | undefined
afterEach(async () => server?.close())

describe('cost-recommendations', () => {
  it('prefers the direct sibling: gpt-4o -> gpt-4o-mini', () => {
    expect(cheaperSibling('gpt-4o', { prompt: 40_000, completion: 8_000 }, shippedPricing())?.model).toBe('gpt-4o-mini')
    expect(cheaperSibling('gpt-4o-mini', { prompt: 40_000, completion: 8_000 }, shippedPricing())).toBeUndefined()
  })

  it('computes the routing saving from the actual token mix and the price ratio (Prometheus)', async () => {
    server = await fakePrometheus((q) => vectorFromFixtures(q, before, after, q.includes('[86400s]') ? 500 : 100))
    const out = byTitle(await check.run(insightContext({ dependencies: { prometheus: server.url } })))
    const route = out['Route gpt-4o traffic to gpt-4o-mini']!
    // 24 h: gpt-4o 20M prompt + 4M completion tokens = $90; on gpt-4o-mini $5.40; 30% routed saves $25.38/day.
    expect(route.evidence).toMatchObject({ modelUsdPerDay: 90, sameTokensOnAlternativeUsd: 5.4, savingUsdPerDay: 25.38, priceRatio: 16.7 })
    expect(route.message).toContain('route 30% of gpt-4o traffic to gpt-4o-mini saves ~$25.38/day')
    expect(route.status).toBe('warn')
  })

  it('works from /metrics scrapes too, labelling figures as projected', async () => {
    server = await fakeMetricsEndpoint([before, after])
    const out = byTitle(await check.run(insightContext({ target: { url: server.url } }, { windowMs: 200 })))
    expect(out['Route gpt-4o traffic to gpt-4o-mini']!.message).toContain('projected')
  })
})
