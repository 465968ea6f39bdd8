import type { Check, CheckOutcome } from '../../src/check.js'
import { advise } from '../remediation.js'
import { runScenario, type Session } from '../resilience-session.js'
import { describeOutcome, type Exchange, isRefused, isSuccess, summarize, traced } from '../resilience-support.js'
import { resilienceOptions } from '../resilience-options.js'

/** Some agents fall back per request, others only once the primary's breaker opens (threshold up to ~10). */
const MAX_REQUESTS = 12

async function fallbackScenario(s: Session): Promise<CheckOutcome> {
  const primary = s.primaryModel
  const declared = s.ctx.config.validate.models
  if (!primary) return { status: 'error', message: "could not learn the agent's primary model from the mock's call log", remediation: 'Make sure chats reach the mock LLM.' }
  await s.mock.setScenario('error-storm', { model: primary })
  const requests: Exchange[] = []
  let answeredBy: string | undefined
  while (requests.length < MAX_REQUESTS && !answeredBy) {
    const ex = await s.chat(`primary model failing #${requests.length + 1}`)
    requests.push(ex)
    if (isRefused(ex)) break
    if (isSuccess(ex)) answeredBy = ex.llmCalls.find((c) => c.model !== primary && c.outcome === 'ok')?.model
  }
  const triedModels = [...new Set(requests.flatMap((e) => e.llmCalls.map((c) => c.model)).filter((m) => m !== primary))]
  const evidence = { primaryModel: primary, declaredModels: declared, requests: requests.map(summarize) }
  const last = requests.at(-1)!
  if (!answeredBy && triedModels.length === 0) {
    const single = declared && declared.length === 1
    return traced({
      status: single ? 'warn' : 'fail',
      message: `with ${primary} failing, the agent never tried another model in ${requests.length} requests (last answer: ${describeOutcome(last)})`,
      evidence,
      remediation: advise(s.ctx, 'fallback'),
    }, ...requests)
  }
  if (!answeredBy) {
    return traced({ status: 'fail', message: `the agent called ${triedModels.join(', ')} after ${primary} failed, but returned no answer in ${requests.length} requests (last: ${describeOutcome(last)})`, evidence, remediation: "Return the fallback model's answer to the caller." }, ...requests)
  }
  const failedFirst = requests.length - 1
  const how = failedFirst === 0 ? 'on the first request' : `after ${failedFirst} failed request(s) (the agent falls back only once the primary's breaker opens)`
  if (declared && declared.length > 1 && !declared.includes(answeredBy)) {
    return traced({ status: 'warn', message: `the fallback answered with ${answeredBy}, which is not in validate.models (${declared.join(', ')})`, evidence, remediation: "Update validate.models, or check the agent's fallback configuration." }, last)
  }
  return { status: 'pass', message: `with ${primary} failing, ${answeredBy} answered ${how} (HTTP ${last.status} in ${last.latencyMs}ms)`, evidence }
}

export const modelFallbackCheck: Check = {
  id: 'model-fallback',
  category: 'resilience',
  title: 'A failing primary model falls back to another model',
  description: 'Fails the primary model only (learned from the mock\'s log); a configured fallback model must answer the request.',
  appliesTo: ['validate'],
  severity: 'fail',
  lock: 'mock-llm',
  options: resilienceOptions,
  timeoutMs: 120_000,
  run: (ctx) => runScenario(ctx, fallbackScenario),
}
