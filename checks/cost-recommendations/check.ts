import { metricOptions } from '../../src/metrics/window.js'
import { METRICS } from '../../src/contracts/metric-names.js'
import type { Check, CheckContext, CheckOutcome } from '../../src/check.js'
import { type ModelSpend, type SpendFigures, spendFigures, usd } from '../../src/metrics/cost.js'
import { runMetricRule } from '../../src/metrics/outcomes.js'
import { costUsd, priceOf, pricingFor, type PricingTable } from '../../src/pricing.js'

/** The share of an expensive model's traffic we suggest routing to a cheaper sibling: simple turns, typically. */
const ROUTE_SHARE = 0.3
/** A saving below this share of total spend is reported as a pass (worth knowing, not worth a warning). */
const WORTH_WARNING = 0.1
/** Prompts this many times larger than completions point at history/context bloat. */
const PROMPT_HEAVY = 8
/** Assumption stated in the message: half the prompt is a reusable prefix, cached input costs half. */
const CACHEABLE = 0.5
const CACHE_DISCOUNT = 0.5

export const check: Check = {
  id: 'cost-recommendations',
  category: 'cost',
  title: 'LLM cost savings',
  description: 'Savings estimated from the actual token mix and the pricing table: routing to a cheaper sibling model, prompt size, cache hit rate',
  appliesTo: ['diagnose'],
  severity: 'warn',
  options: metricOptions,
  async run(ctx) {
    return runMetricRule(ctx, spendFigures, (spend: SpendFigures | undefined) => {
      if (!spend) return { status: 'skip', message: `the agent exports no ${METRICS.llmTokens} series, so there is no token mix to optimise` }
      if (spend.last24hUsd <= 0) return { status: 'pass', message: `no LLM spend to optimise (${spend.how})`, evidence: { basis: spend.basis } }
      const table = pricingFor(ctx.config)
      const out: CheckOutcome[] = []
      for (const m of spend.byModel.filter((x) => x.usd > 0 && x.pricedBy === 'pricing table')) {
        const routing = routeOutcome(ctx, m, spend, table)
        if (routing) out.push(routing)
        const prompt = promptOutcome(m, spend, table)
        if (prompt) out.push(prompt)
      }
      if (spend.cache) out.push(cacheOutcome(spend))
      if (out.length === 0) out.push({ status: 'pass', message: `no cheaper sibling model in the pricing table for ${spend.byModel.map((m) => m.model).join(', ')} and a balanced token mix`, evidence: { basis: spend.basis } })
      return out
    })
  },
}

/**
 * A model of the same vendor family (gpt-…, claude-…) that costs under half as much for this token
 * mix: a direct sibling (gpt-4o -> gpt-4o-mini) first, as the closest in behaviour, else the cheapest.
 */
export function cheaperSibling(model: string, mix: { prompt: number; completion: number }, table: PricingTable): { model: string; usd: number } | undefined {
  const family = model.split('-')[0]!.toLowerCase()
  const current = costUsd(priceOf(table, model), mix.prompt, mix.completion)
  const candidates = Object.keys(table)
    .filter((name) => name !== model && name.split('-')[0]!.toLowerCase() === family && !model.startsWith(`${name}-`))
    .map((name) => ({ model: name, usd: costUsd(table[name], mix.prompt, mix.completion) }))
    .filter((c) => c.usd < current / 2)
    .sort((a, b) => a.usd - b.usd)
  return candidates.find((c) => c.model.startsWith(`${model}-`)) ?? candidates[0]
}

function routeOutcome(ctx: CheckContext, m: ModelSpend, spend: SpendFigures, table: PricingTable): CheckOutcome | undefined {
  const alt = cheaperSibling(m.model, { prompt: m.promptTokens, completion: m.completionTokens }, table)
  if (!alt) return undefined
  const savingPerDay = ROUTE_SHARE * (m.usd - alt.usd)
  const ratio = m.usd / Math.max(alt.usd, 1e-12)
  const evidence = {
    basis: spend.basis, model: m.model, alternative: alt.model, modelUsdPerDay: round(m.usd), sameTokensOnAlternativeUsd: round(alt.usd), priceRatio: Number(ratio.toFixed(1)),
    routedShare: ROUTE_SHARE, savingUsdPerDay: round(savingPerDay), promptTokensPerDay: Math.round(m.promptTokens), completionTokensPerDay: Math.round(m.completionTokens),
  }
  const k = ctx.config.kubernetes
  const tryIt = k?.namespace ? ` Try the whole switch on a canary first: kubectl -n ${k.namespace} set env deploy/<canary> LLM_MODEL=${alt.model} LLM_FALLBACK_MODELS=${m.model}` : ` Measure quality and cost on the cheaper model first: LLM_MODEL=${alt.model} agentctl load --duration 2m`
  return {
    title: `Route ${m.model} traffic to ${alt.model}`,
    status: savingPerDay >= WORTH_WARNING * spend.last24hUsd ? 'warn' : 'pass',
    evidence,
    message: `route ${Math.round(ROUTE_SHARE * 100)}% of ${m.model} traffic to ${alt.model} saves ~${usd(savingPerDay)}/day (~${usd(savingPerDay * 30)}/month): ${alt.model} costs ${ratio.toFixed(1)}x less for this token mix (${usd(m.usd)}/day on ${m.model}${spend.basis === 'projected' ? ', projected' : ''})`,
    remediation: `Send simple turns (short prompts, no tools) to ${alt.model}, keep ${m.model} for the rest.${tryIt}`,
  }
}

function promptOutcome(m: ModelSpend, spend: SpendFigures, table: PricingTable): CheckOutcome | undefined {
  if (m.completionTokens <= 0 || m.promptTokens / m.completionTokens < PROMPT_HEAVY) return undefined
  const price = priceOf(table, m.model)!
  const promptUsd = (m.promptTokens / 1000) * price.inputPer1k
  const saving = promptUsd * CACHEABLE * CACHE_DISCOUNT
  return {
    title: `Prompt size on ${m.model}`,
    status: saving >= WORTH_WARNING * spend.last24hUsd ? 'warn' : 'pass',
    evidence: { basis: spend.basis, model: m.model, promptToCompletion: Number((m.promptTokens / m.completionTokens).toFixed(1)), promptUsdPerDay: round(promptUsd), assumption: `${CACHEABLE * 100}% of prompt tokens are a reusable prefix billed at a ${CACHE_DISCOUNT * 100}% discount`, savingUsdPerDay: round(saving) },
    message: `${m.model} prompts are ${(m.promptTokens / m.completionTokens).toFixed(0)}x its completions (${usd(promptUsd)}/day of input): trimming history or prompt caching saves ~${usd(saving)}/day if half the prompt is a stable prefix`,
    remediation: 'Keep the system prompt and tool schemas as a stable prefix (provider prompt caching), summarise old turns instead of replaying them, and cap retrieved context',
  }
}

function cacheOutcome(spend: SpendFigures): CheckOutcome {
  const { hits, misses } = spend.cache!
  const rate = hits / (hits + misses)
  const evidence = { cacheHits: Math.round(hits), cacheMisses: Math.round(misses), hitRate: Number(rate.toFixed(3)) }
  if (rate < 0.2) return { title: 'Response cache hit rate', status: 'warn', evidence, message: `the cache answers only ${(100 * rate).toFixed(1)}% of lookups: it costs a round trip and saves little`, remediation: 'Normalise cache keys (trim whitespace, lower-case, drop volatile fields) or cache at the tool-result level; check TTLs: redis-cli --scan --pattern "*cache*" | head' }
  return { title: 'Response cache hit rate', status: 'pass', evidence, message: `the cache answers ${(100 * rate).toFixed(1)}% of lookups` }
}

function round(n: number): number {
  return Number(n.toFixed(4))
}
