import { METRICS } from '../../src/contracts/metric-names.js'
import type { Check, CheckOutcome } from '../../src/check.js'
import { runMetricRule, queryCommand, sourceEvidence } from '../../src/metrics/outcomes.js'
import { breakerStates } from '../../src/metrics/performance.js'
import { type WindowData, windowData, metricOptions } from '../../src/metrics/window.js'

export const check: Check = {
  id: 'breaker-state',
  category: 'performance',
  title: 'LLM circuit breakers',
  description: `Current state of each model's circuit breaker (${METRICS.breakerState}): open fails, half-open warns`,
  appliesTo: ['diagnose'],
  severity: 'fail',
  options: metricOptions,
  async run(ctx) {
    return runMetricRule(ctx, windowData, (data: WindowData) => {
      const states = breakerStates(data.latest)
      if (states.length === 0) return { status: 'skip', message: `the agent exports no ${METRICS.breakerState} series (no circuit breaker, or not instrumented)`, evidence: sourceEvidence(data) }
      return states.map((b): CheckOutcome => {
        const evidence = { ...sourceEvidence(data), model: b.model, state: b.state, gauge: b.value }
        const title = `Circuit breaker ${b.model}`
        const dig = `See why calls to ${b.model} fail: ${queryCommand(ctx, `sum by (outcome) (increase(${METRICS.llmRequests}{model="${b.model}"}[15m]))`, `'${METRICS.llmRequests}{model="${b.model}"'`)}`
        if (b.state === 'open') return { title, status: 'fail', message: `the breaker for ${b.model} is OPEN: calls are rejected without reaching the provider (served by a fallback model, if any)`, evidence, remediation: dig }
        if (b.state === 'half-open') return { title, status: 'warn', message: `the breaker for ${b.model} is half-open: trial calls are probing whether the provider recovered`, evidence, remediation: dig }
        return { title, status: 'pass', message: `the breaker for ${b.model} is closed`, evidence }
      })
    })
  },
}
