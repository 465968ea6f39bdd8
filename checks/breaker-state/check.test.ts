import { afterEach, describe, expect, it } from 'vitest'
import { check } from './check.js'
import { fakeMetricsEndpoint, fakePrometheus, type FakeServer, metricsFixture } from '../../test/support/fake-metrics.js'
import { insightContext } from '../../test/support/insight-context.js'

let server: FakeServer | undefined
afterEach(async () => server?.close())
type Out = { status: string; title: string; evidence: Record<string, unknown> }

describe('breaker-state', () => {
  it('fails an open breaker and passes closed ones (from /metrics)', async () => {
    server = await fakeMetricsEndpoint([metricsFixture('agent-scrape-1.prom'), metricsFixture('agent-scrape-2.prom')])
    const out = (await check.run(insightContext({ target: { url: server.url } }, { windowMs: 100 }))) as Out[]
    expect(out.map((o) => [o.title, o.status])).toEqual([
      ['Circuit breaker claude-sonnet-4', 'fail'],
      ['Circuit breaker gpt-4o', 'pass'],
      ['Circuit breaker gpt-4o-mini', 'pass'],
    ])
  })

  it('takes the worst replica from Prometheus: open beats half-open', async () => {
    server = await fakePrometheus((q) =>
      q === 'agent_circuit_breaker_state'
        ? [
            { metric: { model: 'gpt-4o', pod: 'a' }, value: 2 },
            { metric: { model: 'gpt-4o', pod: 'b' }, value: 1 },
            { metric: { model: 'mini', pod: 'a' }, value: 2 },
          ]
        : [],
    )
    const out = (await check.run(insightContext({ dependencies: { prometheus: server.url } }))) as Out[]
    expect(out.map((o) => [o.title, o.status])).toEqual([
      ['Circuit breaker gpt-4o', 'fail'],
      ['Circuit breaker mini', 'warn'],
    ])
  })

  it('skips when the agent has no breaker metric', async () => {
    server = await fakeMetricsEndpoint(['# no metrics\nup 1\n'])
    const out = (await check.run(insightContext({ target: { url: server.url } }, { windowMs: 100 }))) as Out
    expect(out.status).toBe('skip')
  })
})
