import { afterEach, describe, expect, it } from 'vitest'
import { check } from './check.js'
import { fakeMetricsEndpoint, fakePrometheus, type FakeServer, metricsFixture, vectorFromFixtures } from '../../test/support/fake-metrics.js'
import { byTitle } from '../../test/support/kube-context.js'
import { insightContext } from '../../test/support/insight-context.js'

const before = metricsFixture('agent-scrape-1.prom')
const after = metricsFixture('agent-scrape-2.prom')
let server: FakeServer | undefined
afterEach(async () => server?.close())

// Between the two fixture scrapes: gpt-4o 40k prompt + 8k completion, gpt-4o-mini 10k + 2k tokens.
const GPT4O = (40_000 / 1000) * 0.0025 + (8_000 / 1000) * 0.01 // $0.18
const MINI = (10_000 / 1000) * 0.00015 + (2_000 / 1000) * 0.0006 // $0.0027

describe('cost-spend', () => {
  it('with Prometheus: measured 24 h spend by model from token increases x pricing, against the budgets', async () => {
    // 24h range = 500 fixture windows of traffic; since-midnight = 100.
    server = await fakePrometheus((q) => vectorFromFixtures(q, before, after, q.includes('[86400s]') ? 500 : 100))
    const ctx = insightContext({ dependencies: { prometheus: server.url }, budget: { dailyUsd: 60, monthlyUsd: 1500 } })
    const out = byTitle(await check.run(ctx))
    const day = out['Spend over 24 h']!
    expect(day.status).toBe('pass')
    expect(day.evidence!.basis).toBe('measured')
    expect(day.evidence!.last24hUsd).toBeCloseTo(500 * (GPT4O + MINI), 2)
    expect(day.message).toContain('gpt-4o $90.00 (99%)')
    // $91.35/day x 30-31 days is well over $1500/month.
    expect(out['Monthly budget']!.status).toBe('fail')
    expect(out['Monthly budget']!.remediation).toContain('promtool query instant')
    expect(out['Daily budget']!.evidence!.todayUsd).toBeCloseTo(100 * (GPT4O + MINI), 2)
    expect(server.requests.some((r) => decodeURIComponent(r).includes('increase(agent_llm_tokens_total[86400s])'))).toBe(true)
  })

  it('without Prometheus: projects from two /metrics scrapes and says it is a projection', async () => {
    server = await fakeMetricsEndpoint([before, after])
    const ctx = insightContext({ target: { url: server.url }, budget: { dailyUsd: 5 } }, { windowMs: 400 })
    const out = byTitle(await check.run(ctx))
    const day = out['Spend over 24 h']!
    expect(day.evidence!.basis).toBe('projected')
    expect(day.message).toContain('would spend (projection)')
    expect(day.message).toMatch(/PROJECTED from a 0\.\d s sample/)
    // ~$0.18 in ~0.4 s is tens of thousands of dollars a day: the daily budget fails.
    expect(Number(day.evidence!.last24hUsd)).toBeGreaterThan(10_000)
    const daily = out['Daily budget']!
    expect(daily.status).toBe('fail')
    // "today" comes from the agent's own budget gauge, which is a measurement.
    expect(daily.evidence).toMatchObject({ todayUsd: 12.7 })
    expect(String(daily.evidence!.todayHow)).toContain('agent_budget_spent_usd')
  })

  it('warns about models missing from the pricing table instead of silently pricing them at zero', async () => {
    const text = (n: number) => `# TYPE agent_llm_tokens_total counter\nagent_llm_tokens_total{model="house-model",kind="prompt"} ${n}\nagent_llm_tokens_total{model="house-model",kind="completion"} ${n / 10}\n`
    server = await fakeMetricsEndpoint([text(1000), text(5000)])
    const out = byTitle(await check.run(insightContext({ target: { url: server.url } }, { windowMs: 200 })))
    expect(out['Spend over 24 h']!.status).toBe('warn')
    expect(out['Spend over 24 h']!.remediation).toContain('pricing: { "house-model"')
  })
})
