import type { Check, CheckOutcome } from '../../src/check.js'
import { runScenario, type Session } from '../resilience-session.js'
import { type Exchange, isSuccess, summarize } from '../resilience-support.js'
import { resilienceOptions } from '../resilience-options.js'

/** Kubelet's default probe timeout is 1 s; a liveness answer slower than this risks a restart. */
const LIVENESS_BUDGET_MS = 2000

async function livenessScenario(s: Session): Promise<CheckOutcome> {
  const probes: Array<{ llm: string; ex: Exchange }> = []
  for (const llm of ['healthy', 'error-storm', 'hang']) {
    if (llm !== 'healthy') await s.mock.setScenario(llm)
    probes.push({ llm, ex: await s.health(`GET health (LLM ${llm})`, LIVENESS_BUDGET_MS) })
  }
  await s.mock.reset()
  const evidence = { healthPath: s.target.healthPath, budgetMs: LIVENESS_BUDGET_MS, probes: probes.map(({ llm, ex }) => ({ llm, ...summarize(ex) })) }
  const callers = probes.filter(({ ex }) => ex.llmCalls.length > 0)
  const failing = probes.filter(({ ex }) => !isSuccess(ex))
  const remediation = `Make ${s.target.healthPath} a process-level check (event loop alive, no dependency calls). Put dependency checks on the readiness endpoint, and never call the LLM from either: a provider outage would make Kubernetes restart every replica at once.`
  if (failing.length > 0) {
    const what = failing.map(({ llm, ex }) => `LLM ${llm}: ${ex.status ?? ex.error} in ${ex.latencyMs}ms`).join('; ')
    return { status: 'fail', message: `liveness does not survive an LLM outage (${what})`, evidence, remediation }
  }
  if (callers.length > 0) {
    return { status: 'fail', message: `the liveness endpoint calls the LLM (${callers.map(({ llm, ex }) => `${ex.llmCalls.length} call(s) with LLM ${llm}`).join('; ')})`, evidence, remediation }
  }
  return { status: 'pass', message: `${s.target.healthPath} answered 2xx with no LLM call while the LLM was healthy, failing and hanging`, evidence }
}

export const livenessIsolationCheck: Check = {
  id: 'liveness-isolation',
  category: 'resilience',
  title: 'Liveness survives an LLM outage',
  description: 'The liveness endpoint must answer 2xx within 2 s, without calling the LLM, while the LLM fails and hangs.',
  appliesTo: ['validate'],
  severity: 'fail',
  lock: 'mock-llm',
  options: resilienceOptions,
  timeoutMs: 120_000,
  run: (ctx) => runScenario(ctx, livenessScenario, { repeatable: false }),
}
