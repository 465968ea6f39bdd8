import type { Check, CheckOutcome } from '../../src/check.js'
import { advise } from '../remediation.js'
import { runScenario, type Session } from '../resilience-session.js'
import { callsByModel, type Exchange, summarize, traced } from '../resilience-support.js'
import { resilienceOptions } from '../resilience-options.js'

/** Errors that another attempt cannot fix: retrying them only burns money and latency. */
const PERMANENT = [
  { scenario: 'bad-request', what: 'HTTP 400 (invalid request)' },
  { scenario: 'quota', what: '429 insufficient_quota' },
  { scenario: 'content-filter', what: 'a content-filter refusal' },
] as const

async function permanentErrorsScenario(s: Session): Promise<CheckOutcome> {
  const results: Array<Record<string, unknown>> = []
  const retried: string[] = []
  const unobserved: string[] = []
  /** The chats behind each of those lists, for their traces. */
  const behind: { retried: Exchange[]; unobserved: Exchange[] } = { retried: [], unobserved: [] }
  for (const [i, { scenario, what }] of PERMANENT.entries()) {
    // A breaker that counts these errors may open; start each case from a working agent.
    if (i > 0) {
      const blocked = await s.prepare()
      if (blocked) return blocked
    }
    await s.mock.setScenario(scenario)
    const ex = await s.chat(scenario)
    const perModel = callsByModel(ex)
    const repeats = Object.entries(perModel).filter(([, n]) => n > 1)
    results.push({ scenario, ...summarize(ex), callsByModel: perModel })
    if (ex.llmCalls.length === 0) {
      unobserved.push(scenario)
      behind.unobserved.push(ex)
    } else if (repeats.length > 0) {
      retried.push(`${what}: ${repeats.map(([m, n]) => `${m} called ${n} times`).join(', ')}`)
      behind.retried.push(ex)
    }
    await s.mock.reset()
  }
  const evidence = { cases: results }
  if (retried.length > 0) {
    return traced({
      status: 'fail',
      message: `the agent retried errors that cannot succeed on retry: ${retried.join('; ')}`,
      evidence,
      remediation: advise(s.ctx, 'permanent-errors'),
    }, ...behind.retried)
  }
  if (unobserved.length > 0) {
    return traced({ status: 'error', message: `the agent made no LLM call under ${unobserved.join(', ')}, so its retry policy could not be observed`, evidence, remediation: 'Make sure every chat goes through the LLM at the mock while validating.' }, ...behind.unobserved)
  }
  return { status: 'pass', message: `400, insufficient_quota and content-filter errors each cost one call per model, with no retry`, evidence }
}

export const noRetryPermanentErrorsCheck: Check = {
  id: 'no-retry-permanent-errors',
  category: 'resilience',
  title: 'Permanent LLM errors (400, insufficient_quota, content filter) are not retried',
  description: 'Under bad-request, quota and content-filter faults the agent must call each model at most once per request.',
  appliesTo: ['validate'],
  severity: 'fail',
  lock: 'mock-llm',
  options: resilienceOptions,
  timeoutMs: 180_000,
  run: (ctx) => runScenario(ctx, permanentErrorsScenario),
}
