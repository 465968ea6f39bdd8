import { METRICS } from '../contracts/metric-names.js'
import { type Exposition, parseExposition, sumBy } from '../metrics/exposition.js'
import { deltaExposition } from '../metrics/histogram.js'
import { getText } from '../metrics/http.js'
import { costUsd, priceOf, type PricingTable } from '../pricing.js'
import type { LoadResult } from '../report.js'
import { readUsage } from '../protocols/usage.js'

export type TokensByModel = Map<string, { prompt: number; completion: number }>

export interface TokenTotals {
  byModel: TokensByModel
  /** How many requests these tokens belong to. */
  requests: number
  source: 'response usage' | '/metrics delta'
  /** Sum of the agent's own usage.cost_usd, when it reports one (used for models we have no price for). */
  agentCostUsd?: number
}

/**
 * Reads token usage from chat responses (`usage{prompt_tokens, completion_tokens, cost_usd}` and
 * `model`, the reference agent's contract). Bodies without `"usage"` are skipped before any
 * JSON.parse so the hot path stays cheap.
 */
export class UsageMeter {
  readonly byModel: TokensByModel = new Map()
  responses = 0
  agentCostUsd = 0
  private sawAgentCost = false

  /** Usage a protocol adapter read from an answer (any wire format, streamed ones included). */
  add(usage: { inputTokens: number; outputTokens: number; model?: string; costUsd?: number }): void {
    const model = usage.model ?? 'unknown'
    const entry = this.byModel.get(model) ?? { prompt: 0, completion: 0 }
    entry.prompt += usage.inputTokens
    entry.completion += usage.outputTokens
    this.byModel.set(model, entry)
    if (typeof usage.costUsd === 'number') {
      this.agentCostUsd += usage.costUsd
      this.sawAgentCost = true
    }
    this.responses++
  }

  observe(body: string): void {
    if (!body.includes('"usage"')) return
    let parsed: { model?: unknown; usage?: unknown }
    try {
      parsed = JSON.parse(body)
    } catch {
      return
    }
    // Any common usage shape (OpenAI, Responses/Anthropic, AI SDK); an unknown one is no data, never 0 tokens.
    const usage = readUsage(parsed?.usage, parsed?.model)
    if (!usage) return
    const model = usage.model ?? 'unknown'
    const entry = this.byModel.get(model) ?? { prompt: 0, completion: 0 }
    entry.prompt += usage.inputTokens
    entry.completion += usage.outputTokens
    this.byModel.set(model, entry)
    if (usage.costUsd !== undefined) {
      this.agentCostUsd += usage.costUsd
      this.sawAgentCost = true
    }
    this.responses++
  }

  totals(): TokenTotals | undefined {
    if (this.responses === 0) return undefined
    return { byModel: this.byModel, requests: this.responses, source: 'response usage', ...(this.sawAgentCost ? { agentCostUsd: this.agentCostUsd } : {}) }
  }
}

/** One scrape of the agent's /metrics, or undefined when it has none (cost then comes from responses only). */
export async function scrapeMetrics(url: string, bearer: string | undefined, timeoutMs = 3000): Promise<Exposition | undefined> {
  try {
    return parseExposition(await getText(url, { signal: new AbortController().signal, timeoutMs, bearer }))
  } catch {
    return undefined
  }
}

/** Tokens spent between two scrapes, from `agent_llm_tokens_total{model, kind}`. */
export function tokensFromMetrics(before: Exposition, after: Exposition, requests: number): TokenTotals | undefined {
  const groups = sumBy(deltaExposition(before, after), METRICS.llmTokens, ['model', 'kind'])
  const byModel: TokensByModel = new Map()
  for (const { labels, value } of groups.values()) {
    const entry = byModel.get(labels.model!) ?? { prompt: 0, completion: 0 }
    if (labels.kind === 'prompt') entry.prompt += value
    else if (labels.kind === 'completion') entry.completion += value
    byModel.set(labels.model!, entry)
  }
  const total = [...byModel.values()].reduce((a, e) => a + e.prompt + e.completion, 0)
  if (total === 0 || requests === 0) return undefined
  return { byModel, requests, source: '/metrics delta' }
}

export interface CostResult extends NonNullable<LoadResult['cost']> {
  source: TokenTotals['source']
  /** Models seen without a price: their tokens cost the agent's own figure, or 0. */
  unpricedModels: string[]
  /** The rate usdPerDayAtTarget is projected at (--target-rps), named in the finding. */
  targetRps?: number
}

/** $/request from tokens x pricing; per day only at a target rate that was given (--target-rps). */
export function computeCost(totals: TokenTotals, pricing: PricingTable, targetRps: number | undefined, dailyBudgetUsd?: number): CostResult {
  let usd = 0
  let tokens = 0
  const unpricedModels: string[] = []
  for (const [model, t] of totals.byModel) {
    tokens += t.prompt + t.completion
    const price = priceOf(pricing, model)
    if (price) usd += costUsd(price, t.prompt, t.completion)
    else unpricedModels.push(model)
  }
  // No price for any model: fall back to what the agent itself reported.
  if (usd === 0 && unpricedModels.length > 0 && totals.agentCostUsd) usd = totals.agentCostUsd
  // Priced by nothing (no model in the table, no agent figure): dollars were not measured, so
  // they are absent rather than $0.00 (issue 20); tokens per request still are.
  const priced = unpricedModels.length < totals.byModel.size || totals.agentCostUsd !== undefined
  const tokensPerRequest = round(tokens / totals.requests, 1)
  if (!priced) return { tokensPerRequest, ...(dailyBudgetUsd !== undefined ? { dailyBudgetUsd } : {}), source: totals.source, unpricedModels }
  const usdPerRequest = usd / totals.requests
  return {
    tokensPerRequest,
    usdPerRequest: round(usdPerRequest, 8),
    usdPer1kRequests: round(usdPerRequest * 1000, 4),
    ...(targetRps !== undefined ? { usdPerDayAtTarget: round(usdPerRequest * targetRps * 86_400, 2), targetRps } : {}),
    ...(dailyBudgetUsd !== undefined ? { dailyBudgetUsd } : {}),
    source: totals.source,
    unpricedModels,
  }
}

function round(n: number, digits: number): number {
  const f = 10 ** digits
  return Math.round(n * f) / f
}
