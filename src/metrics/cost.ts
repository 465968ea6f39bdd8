import { METRICS } from '../contracts/metric-names.js'
import type { CheckContext } from '../check.js'
import { costUsd, priceOf, pricingFor, type PricingTable } from '../pricing.js'
import { type Exposition, sumBy, sumOf } from './exposition.js'
import { agentScrapes, costQueries, promClient, promIncrease, type WindowData } from './window.js'

export interface ModelSpend {
  model: string
  promptTokens: number
  completionTokens: number
  usd: number
  /** How the USD figure was priced. */
  pricedBy: 'pricing table' | 'agent cost counter' | 'unpriced'
}

export interface SpendFigures {
  /** measured: Prometheus increase() over the real 24 h / since midnight; projected: from a sampled rate. */
  basis: 'measured' | 'projected'
  /** What the numbers rest on, in words, for the message. */
  how: string
  last24hUsd: number
  todayUsd: number
  /** Where todayUsd came from when it differs from the basis (e.g. the agent's own budget gauge). */
  todayHow: string
  /** USD per hour at the current rate (for end-of-day and month projections). */
  usdPerHour: number
  byModel: ModelSpend[]
  unpriced: string[]
  /** Cache hits/misses over the same span, when the agent exports such counters. */
  cache?: { hits: number; misses: number }
  window?: WindowData
}

const DAY_MS = 86_400_000

export function msSinceUtcMidnight(now = new Date()): number {
  return now.getTime() - Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate())
}

/** Spend by model from token counters x the pricing table (shipped + config `pricing:`). */
export function spendByModel(increase: Exposition, table: PricingTable): ModelSpend[] {
  const tokens = sumBy(increase, METRICS.llmTokens, ['model', 'kind'])
  const agentCost = sumBy(increase, METRICS.llmCost, ['model'])
  const models = new Set([...tokens.values()].map((g) => g.labels.model!).concat([...agentCost.values()].map((g) => g.labels.model!)))
  return [...models].sort().map((model) => {
    const count = (kind: string) => [...tokens.values()].filter((g) => g.labels.model === model && g.labels.kind === kind).reduce((a, g) => a + g.value, 0)
    const promptTokens = count('prompt')
    const completionTokens = count('completion')
    const price = priceOf(table, model)
    const reported = [...agentCost.values()].find((g) => g.labels.model === model)?.value
    if (price) return { model, promptTokens, completionTokens, usd: costUsd(price, promptTokens, completionTokens), pricedBy: 'pricing table' as const }
    // No price in our table: the agent's own cost counter is the next best evidence.
    if (reported !== undefined) return { model, promptTokens, completionTokens, usd: reported, pricedBy: 'agent cost counter' as const }
    return { model, promptTokens, completionTokens, usd: 0, pricedBy: 'unpriced' as const }
  })
}

function cacheCounts(expo: Exposition): { hits: number; misses: number } | undefined {
  const hits = expo.samples.filter((s) => /cache_hits?_total$/.test(s.name)).reduce((a, s) => a + s.value, 0)
  const misses = expo.samples.filter((s) => /cache_miss(es)?_total$/.test(s.name)).reduce((a, s) => a + s.value, 0)
  return hits + misses > 0 ? { hits, misses } : undefined
}

const total = (models: ModelSpend[]) => models.reduce((a, m) => a + m.usd, 0)
const scale = (models: ModelSpend[], f: number): ModelSpend[] => models.map((m) => ({ ...m, promptTokens: m.promptTokens * f, completionTokens: m.completionTokens * f, usd: m.usd * f }))

/**
 * Why there are no spend figures. Token and cost counters have labels, so an agent that has made
 * no LLM call since it started exposes no sample of them yet: "exports none" would be a guess.
 */
export function noSpendMessage(consequence: string): string {
  return `no ${METRICS.llmTokens} or ${METRICS.llmCost} samples: the agent has made no LLM calls since it started, or does not export these metrics, so ${consequence}`
}

/** Spend figures, computed once per run (cost-spend and cost-recommendations share them). */
export function spendFigures(ctx: CheckContext): Promise<SpendFigures | undefined> {
  const key = 'metrics:spend'
  let pending = ctx.shared.get(key) as Promise<SpendFigures | undefined> | undefined
  if (!pending) {
    pending = ctx.config.dependencies.prometheus ? fromPrometheus(ctx, ctx.config.dependencies.prometheus) : fromScrapes(ctx)
    pending.catch(() => {})
    ctx.shared.set(key, pending)
  }
  return pending
}

async function fromPrometheus(ctx: CheckContext, base: string): Promise<SpendFigures | undefined> {
  const client = promClient({ ...ctx, signal: AbortSignal.timeout(ctx.timeoutMs) }, base)
  const sinceMidnight = Math.max(60_000, msSinceUtcMidnight())
  const cacheQuery: [string, string][] = [
    ['agent_cache_hits_total', `sum(increase({__name__=~".*cache_hits?_total"}[24h]))`],
    ['agent_cache_misses_total', `sum(increase({__name__=~".*cache_miss(es)?_total"}[24h]))`],
  ]
  const [day, today, cache] = await Promise.all([promIncrease(client, costQueries(DAY_MS)), promIncrease(client, costQueries(sinceMidnight)), promIncrease(client, cacheQuery).catch(() => undefined)])
  if (sumOf(day, METRICS.llmTokens) === undefined && sumOf(day, METRICS.llmCost) === undefined) return undefined
  const table = pricingFor(ctx.config)
  const byModel = spendByModel(day, table)
  const todayUsd = total(spendByModel(today, table))
  return {
    basis: 'measured', how: `measured by Prometheus (${base}): increase() over the last 24 h`, last24hUsd: total(byModel), todayUsd,
    todayHow: `measured since 00:00 UTC`, usdPerHour: total(byModel) / 24, byModel, unpriced: byModel.filter((m) => m.pricedBy === 'unpriced').map((m) => m.model),
    cache: cache ? cacheCounts(cache) : undefined,
  }
}

async function fromScrapes(ctx: CheckContext): Promise<SpendFigures | undefined> {
  const data = await agentScrapes(ctx)
  const table = pricingFor(ctx.config)
  const lifetime = spendByModel(data.latest, table)
  if (lifetime.length === 0) return undefined
  const sampled = data.singleScrape ? [] : spendByModel(data.increase, table)
  const sampledUsd = total(sampled)
  const started = sumOf(data.latest, 'process_start_time_seconds')
  const uptimeMs = started ? Date.now() - started * 1000 : undefined
  let perMs: number
  let how: string
  let byModel: ModelSpend[]
  if (sampledUsd > 0 && data.coveredMs > 0) {
    perMs = sampledUsd / data.coveredMs
    byModel = scale(sampled, DAY_MS / data.coveredMs)
    how = `PROJECTED from a ${(data.coveredMs / 1000).toFixed(1)} s sample of ${data.from} (the sampled rate x 24 h, not a measurement; configure dependencies.prometheus for measured figures)`
  } else if (uptimeMs && uptimeMs > 0) {
    // Nothing moved during the short sample: the lifetime average is the better estimate.
    perMs = total(lifetime) / uptimeMs
    byModel = scale(lifetime, DAY_MS / uptimeMs)
    how = `PROJECTED from the agent's lifetime average (${(uptimeMs / 3_600_000).toFixed(1)} h since it started; no LLM spend during the ${(data.coveredMs / 1000).toFixed(1)} s sample)`
  } else {
    perMs = 0
    byModel = scale(lifetime, 0)
    how = `no spend during the ${(data.coveredMs / 1000).toFixed(1)} s sample and no process start time to average over`
  }
  const budgetGauge = sumOf(data.latest, METRICS.budgetSpent)
  const todayProjected = perMs * msSinceUtcMidnight()
  return {
    basis: 'projected', how, last24hUsd: perMs * DAY_MS,
    todayUsd: budgetGauge ?? todayProjected,
    todayHow: budgetGauge !== undefined ? `measured since 00:00 UTC by the agent's ${METRICS.budgetSpent} gauge` : 'projected: the sampled rate x the time since 00:00 UTC',
    usdPerHour: perMs * 3_600_000, byModel, unpriced: lifetime.filter((m) => m.pricedBy === 'unpriced').map((m) => m.model),
    cache: cacheCounts(data.latest), window: data,
  }
}

export function usd(n: number): string {
  return n >= 100 ? `$${n.toFixed(0)}` : n >= 1 ? `$${n.toFixed(2)}` : `$${n.toFixed(4)}`
}
