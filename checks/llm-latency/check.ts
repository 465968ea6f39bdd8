import { METRICS } from '../../src/contracts/metric-names.js'
import type { Check, CheckOutcome } from '../../src/check.js'
import { runMetricRule, queryCommand, sourceEvidence, windowPhrase } from '../../src/metrics/outcomes.js'
import { llmByModel } from '../../src/metrics/performance.js'
import { type WindowData, windowData, metricOptions } from '../../src/metrics/window.js'

/** A model whose calls fail more often than this is unhealthy regardless of latency. */
const FAILURE_FAIL = 0.1
const FAILURE_WARN = 0.02

export const check: Check = {
  id: 'llm-latency',
  category: 'performance',
  title: 'LLM latency and failures by model',
  description: 'p50/p95/p99 of LLM calls and their failure outcomes (error, timeout, rate_limited, ...) per model over --window',
  appliesTo: ['diagnose'],
  severity: 'fail',
  options: metricOptions,
  async run(ctx) {
    return runMetricRule(ctx, windowData, (data: WindowData) => {
      const models = llmByModel(data.increase).filter((m) => m.requests > 0 || m.latencyMs.count > 0)
      if (models.length === 0) {
        return { status: 'skip', message: `no LLM calls ${windowPhrase(data)} (${METRICS.llmRequests} did not move)`, evidence: sourceEvidence(data) }
      }
      const slo = ctx.config.slo.p95Ms
      return models.map((m): CheckOutcome => {
        const l = m.latencyMs
        const failures = Object.entries(m.outcomes).filter(([k, v]) => k !== 'success' && v > 0)
        const evidence = { ...sourceEvidence(data), model: m.model, calls: m.requests, outcomes: m.outcomes, p50Ms: l.p50, p95Ms: l.p95, p99Ms: l.p99, requestSloP95Ms: slo }
        const failText = failures.length ? `; failures: ${failures.map(([k, v]) => `${v} ${k}`).join(', ')} (${(100 * m.failureRate).toFixed(1)}%)` : ''
        const summary = `${m.model}: ${m.requests} calls ${windowPhrase(data)}, p50 ${l.p50}ms, p95 ${l.p95}ms${failText}`
        const title = `LLM ${m.model}`
        const rateLimited = (m.outcomes.rate_limited ?? 0) > 0
        const remediation = rateLimited
          ? `The provider is throttling ${m.model}: lower concurrency or add a fallback model (LLM_FALLBACK_MODELS), and check the quota. Dig in: ${queryCommand(ctx, `sum by (outcome) (rate(${METRICS.llmRequests}{model="${m.model}"}[5m]))`, `'${METRICS.llmRequests}{model="${m.model}"'`)}`
          : `Compare with the provider status page and look at the slowest calls: ${queryCommand(ctx, `histogram_quantile(0.95, sum by (le) (rate(${METRICS.llmDuration}_bucket{model="${m.model}"}[5m])))`, `'${METRICS.llmDuration}_bucket{.*model="${m.model}"'`)}`
        // The LLM call is only part of a request: its p95 alone above the request SLO dooms the SLO.
        if (m.failureRate > FAILURE_FAIL || l.p95 > slo) return { title, status: 'fail', message: summary + (l.p95 > slo ? ` — LLM p95 alone exceeds the ${slo}ms request SLO` : ''), evidence, remediation }
        if (m.failureRate > FAILURE_WARN || l.p95 > 0.6 * slo) return { title, status: 'warn', message: summary, evidence, remediation }
        return { title, status: 'pass', message: summary, evidence }
      })
    })
  },
}
