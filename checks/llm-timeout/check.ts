import type { Check, CheckOutcome } from '../../src/check.js'
import { formatDuration } from '../../src/duration.js'
import { advise } from '../remediation.js'
import { runScenario, type Session } from '../resilience-session.js'
import { describeOutcome, isSuccess, summarize, traced } from '../resilience-support.js'
import { resilienceOptions } from '../resilience-options.js'

async function hangScenario(s: Session): Promise<CheckOutcome> {
  await s.mock.setScenario('hang')
  const hung = await s.chat('LLM hangs', { timeoutMs: s.hangBudgetMs })
  await s.mock.reset()
  const evidence: Record<string, unknown> = { scenario: 'hang', budgetMs: s.hangBudgetMs, duringHang: summarize(hung) }
  if (hung.error === 'timeout') {
    return traced({
      status: 'fail',
      message: `with the LLM hanging, the agent gave no answer within ${formatDuration(s.hangBudgetMs)}`,
      evidence,
      remediation: advise(s.ctx, 'timeout'),
    }, hung)
  }
  if (hung.status === undefined) {
    return traced({ status: 'fail', message: `with the LLM hanging, the agent dropped the connection (${hung.error}) after ${formatDuration(hung.latencyMs)}`, evidence, remediation: 'Answer the caller with 504/503 when the LLM deadline expires instead of dropping the connection.' }, hung)
  }
  // Still serving afterwards: a hung call must not leave the agent wedged (exhausted pool, stuck worker).
  const deadline = Date.now() + s.maxRecoveryMs
  let after = await s.chat('after hang')
  while (!isSuccess(after) && after.status !== undefined && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250))
    after = await s.chat('after hang')
  }
  evidence.afterHang = summarize(after)
  if (!isSuccess(after)) {
    return traced({ status: 'fail', message: `the agent answered within budget while the LLM hung, but did not serve chats again once it recovered (${describeOutcome(after)})`, evidence, remediation: 'Release the connection and any slot/lock held by a timed-out LLM call (abort the request, not just stop waiting for it).' }, after)
  }
  return { status: 'pass', message: `with the LLM hanging the agent answered with ${describeOutcome(hung)} in ${formatDuration(hung.latencyMs)} (budget ${formatDuration(s.hangBudgetMs)}) and served chats again afterwards`, evidence }
}

export const llmTimeoutCheck: Check = {
  id: 'llm-timeout',
  category: 'resilience',
  title: 'A hanging LLM is cut off by a timeout',
  description: 'With the mock LLM hanging, the agent must answer within its budget (max(2 x slo.p95Ms, 10s)) and keep serving afterwards.',
  appliesTo: ['validate'],
  severity: 'fail',
  lock: 'mock-llm',
  options: resilienceOptions,
  timeoutMs: 180_000,
  run: (ctx) => runScenario(ctx, hangScenario),
}
