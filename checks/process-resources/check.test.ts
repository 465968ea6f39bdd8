import { afterEach, describe, expect, it } from 'vitest'
import { check } from './check.js'
import { fakeMetricsEndpoint, fakePrometheus, type FakeServer, metricsFixture } from '../../test/support/fake-metrics.js'
import { byTitle, type Out } from '../../test/support/kube-context.js'
import { insightContext } from '../../test/support/insight-context.js'

let server: FakeServer | undefined
let prom: FakeServer | undefined
afterEach(async () => {
  await server?.close()
  await prom?.close()
})

describe('process-resources', () => {
  it('reads RSS, heap, CPU rate and event-loop lag from the agent /metrics', async () => {
    server = await fakeMetricsEndpoint([metricsFixture('agent-scrape-1.prom'), metricsFixture('agent-scrape-2.prom')])
    const out = byTitle(await check.run(insightContext({ target: { url: server.url } }, { windowMs: 250 })))
    expect(out['Agent process memory']!.message).toContain('RSS 196MB, heap 70MB of 80MB')
    // 0.9 CPU-seconds in a ~0.25 s sample: more than a core -> saturated.
    expect(out['Agent process CPU']!.status).toBe('warn')
    expect(out['Agent event-loop lag']!.status).toBe('warn')
    expect(out['Agent event-loop lag']!.evidence).toMatchObject({ lagP99Ms: 350 })
  })

  it('scrapes the agent even when Prometheus is configured', async () => {
    server = await fakeMetricsEndpoint([metricsFixture('agent-scrape-1.prom')])
    prom = await fakePrometheus(() => [])
    const out = byTitle(await check.run(insightContext({ target: { url: server.url }, dependencies: { prometheus: prom.url } }, { windowMs: 100 })))
    expect(out['Agent process memory']!.status).toBe('pass')
    expect(prom.requests).toHaveLength(0)
  })

  it('skips with the fix when the agent exposes no process metrics', async () => {
    server = await fakeMetricsEndpoint(['agent_http_requests_total{route="/chat",status="200"} 1\n'])
    const out = (await check.run(insightContext({ target: { url: server.url } }, { windowMs: 100 }))) as Out
    expect(out.status).toBe('skip')
    expect(out.message).toContain('collectDefaultMetrics')
  })
})
