import { metricOptions } from '../../src/metrics/window.js'
import { METRICS } from '../../src/contracts/metric-names.js'
import type { Check, CheckContext, CheckOutcome } from '../../src/check.js'
import { msSinceUtcMidnight, type SpendFigures, spendFigures, usd } from '../../src/metrics/cost.js'
import { runMetricRule, queryCommand } from '../../src/metrics/outcomes.js'

/** Share of a budget at which spend turns into a warning. */
const NEAR_BUDGET = 0.8

export const check: Check = {
  id: 'cost-spend',
  category: 'cost',
  title: 'LLM spend against the budget',
  description: 'Token counters x the pricing table: spend over 24 h and today, burn rate against budget.dailyUsd, projected month against budget.monthlyUsd, spend by model',
  appliesTo: ['diagnose'],
  severity: 'fail',
  options: metricOptions,
  async run(ctx) {
    return runMetricRule(ctx, spendFigures, (spend: SpendFigures | undefined) => {
      if (!spend) return { status: 'skip', message: `the agent exports no ${METRICS.llmTokens} or ${METRICS.llmCost} series, so spend cannot be computed` }
      return [last24h(ctx, spend), daily(ctx, spend), monthly(ctx, spend)]
    })
  },
}

function byModelEvidence(spend: SpendFigures): Record<string, unknown>[] {
  return spend.byModel
    .sort((a, b) => b.usd - a.usd)
    .map((m) => ({ model: m.model, usd: Number(m.usd.toFixed(4)), promptTokens: Math.round(m.promptTokens), completionTokens: Math.round(m.completionTokens), pricedBy: m.pricedBy }))
}

function last24h(ctx: CheckContext, spend: SpendFigures): CheckOutcome {
  const top = spend.byModel.filter((m) => m.usd > 0).sort((a, b) => b.usd - a.usd)
  const split = top.map((m) => `${m.model} ${usd(m.usd)} (${Math.round((100 * m.usd) / (spend.last24hUsd || 1))}%)`).join(', ')
  const evidence = { basis: spend.basis, how: spend.how, last24hUsd: Number(spend.last24hUsd.toFixed(4)), byModel: byModelEvidence(spend), unpriced: spend.unpriced }
  const verb = spend.basis === 'measured' ? 'spent' : 'would spend (projection)'
  const message = `last 24 h: ${verb} ${usd(spend.last24hUsd)}${split ? ` — ${split}` : ''}; ${spend.how}`
  if (spend.unpriced.length) {
    return {
      title: 'Spend over 24 h', status: 'warn', evidence, message: `${message}. No price known for ${spend.unpriced.join(', ')}: their spend is missing`,
      remediation: `Add the models to agentctl.yaml: pricing: { "${spend.unpriced[0]}": { inputPer1k: <USD>, outputPer1k: <USD> } }`,
    }
  }
  return { title: 'Spend over 24 h', status: 'pass', evidence, message }
}

function daily(ctx: CheckContext, spend: SpendFigures): CheckOutcome {
  const budget = ctx.config.budget.dailyUsd
  const remainingH = (86_400_000 - msSinceUtcMidnight()) / 3_600_000
  const endOfDay = spend.todayUsd + spend.usdPerHour * remainingH
  const evidence = { todayUsd: Number(spend.todayUsd.toFixed(4)), todayHow: spend.todayHow, usdPerHour: Number(spend.usdPerHour.toFixed(4)), projectedEndOfDayUsd: Number(endOfDay.toFixed(2)), dailyBudgetUsd: budget, burnRate: budget ? Number((spend.last24hUsd / budget).toFixed(3)) : undefined }
  const title = 'Daily budget'
  const summary = `today ${usd(spend.todayUsd)} (${spend.todayHow}); at ${usd(spend.usdPerHour)}/h the day ends near ${usd(endOfDay)}`
  if (!budget) return { title, status: 'pass', evidence, message: `${summary}; no budget.dailyUsd configured`, remediation: 'Set budget: { dailyUsd: <USD> } in agentctl.yaml to be warned before the bill arrives' }
  const dig = `See who spends: ${queryCommand(ctx, `topk(5, sum by (model) (increase(${METRICS.llmCost}[1h])))`, METRICS.llmTokens)}; see cost-recommendations for cheaper routing`
  const pct = (n: number) => `${Math.round((100 * n) / budget)}%`
  if (spend.todayUsd >= budget) return { title, status: 'fail', evidence, message: `${summary}: the ${usd(budget)} daily budget is already spent (${pct(spend.todayUsd)})`, remediation: dig }
  if (endOfDay > budget) return { title, status: 'fail', evidence, message: `${summary}: on course to exceed the ${usd(budget)} daily budget (${pct(endOfDay)} by 24:00 UTC)`, remediation: dig }
  if (endOfDay > NEAR_BUDGET * budget) return { title, status: 'warn', evidence, message: `${summary}: ${pct(endOfDay)} of the ${usd(budget)} daily budget by 24:00 UTC`, remediation: dig }
  return { title, status: 'pass', evidence, message: `${summary}: ${pct(endOfDay)} of the ${usd(budget)} daily budget` }
}

function monthly(ctx: CheckContext, spend: SpendFigures): CheckOutcome {
  const budget = ctx.config.budget.monthlyUsd
  const now = new Date()
  const days = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 0)).getUTCDate()
  const month = spend.last24hUsd * days
  const evidence = { projectedMonthUsd: Number(month.toFixed(2)), daysInMonth: days, monthlyBudgetUsd: budget, basis: `last 24 h (${spend.basis}) x ${days} days` }
  const title = 'Monthly budget'
  const summary = `at the last 24 h rate the month costs ~${usd(month)}`
  if (!budget) return { title, status: 'pass', evidence, message: `${summary}; no budget.monthlyUsd configured` }
  const pct = Math.round((100 * month) / budget)
  const dig = `Break it down: ${queryCommand(ctx, `sum by (model) (increase(${METRICS.llmCost}[7d]))`, METRICS.llmTokens)}`
  if (month > budget) return { title, status: 'fail', evidence, message: `${summary}: ${pct}% of the ${usd(budget)} monthly budget`, remediation: dig }
  if (month > NEAR_BUDGET * budget) return { title, status: 'warn', evidence, message: `${summary}: ${pct}% of the ${usd(budget)} monthly budget`, remediation: dig }
  return { title, status: 'pass', evidence, message: `${summary}: ${pct}% of the ${usd(budget)} monthly budget` }
}
