import type { Check, CheckOutcome } from '../../src/check.js'
import { advise } from '../remediation.js'
import { runScenario, type Session } from '../resilience-session.js'
import { callsByModel, describeOutcome, type Exchange, isSuccess, summarize, traced } from '../resilience-support.js'
import { resilienceOptions } from '../resilience-options.js'

const RETRY_AFTER_MS = 1000
/** Timers and the network jitter a little; a retry 5% early still honours the header. */
const TOLERANCE_MS = 50
/** More calls than this to one model within one request is an unbounded retry loop. */
const MAX_CALLS_PER_MODEL = 6
const BOUNDED_RETRY_AFTER_MS = 200

async function retryAfterScenario(s: Session): Promise<CheckOutcome> {
  // Part 1: one 429 with Retry-After, then healthy. The agent should wait, retry and succeed.
  await s.mock.setScenario('rate-limited', { count: 1, retryAfterMs: RETRY_AFTER_MS })
  const once = await s.chat('one 429 then healthy')
  const limited = once.llmCalls.find((c) => c.outcome === 'rate-limited' || c.status === 429)
  const evidence: Record<string, unknown> = { retryAfterMs: RETRY_AFTER_MS, singleRateLimit: { ...summarize(once), calls: callTimeline(once) } }
  if (!limited) {
    return traced({ status: 'error', message: 'the mock did not rate-limit the agent\'s first LLM call, so retry behaviour could not be observed', evidence, remediation: 'Check the mock LLM supports the rate-limited scenario with {count, retryAfterMs}.' }, once)
  }
  const sameModelRetry = once.llmCalls.find((c) => c.seq > limited.seq && c.model === limited.model)
  const otherModel = once.llmCalls.find((c) => c.seq > limited.seq && c.model !== limited.model)
  if (sameModelRetry) {
    const gap = sameModelRetry.t - limited.t
    evidence.retryGapMs = gap
    if (gap < RETRY_AFTER_MS - TOLERANCE_MS) {
      return traced({
        status: 'fail',
        message: `the agent retried a 429 after ${gap}ms although the LLM said Retry-After: ${RETRY_AFTER_MS / 1000}s`,
        evidence,
        remediation: advise(s.ctx, 'retry-after'),
      }, once)
    }
  } else if (!otherModel) {
    const propagated = (once.status === 429 || once.status === 503) && once.headers['retry-after'] !== undefined
    return traced({
      status: propagated ? 'warn' : 'fail',
      message: propagated
        ? `the agent did not retry a rate-limited LLM call; it passed the limit on to the caller (HTTP ${once.status} with Retry-After)`
        : `the agent did not retry a rate-limited LLM call (one 429 with Retry-After: ${RETRY_AFTER_MS / 1000}s) and answered with ${describeOutcome(once)}`,
      evidence,
      remediation: 'Treat 429 (except insufficient_quota) as retryable: wait for Retry-After, then retry a bounded number of times (2-3).',
    }, once)
  }
  if (!isSuccess(once)) {
    return traced({ status: 'fail', message: `the agent waited for Retry-After and retried, but the request still failed (${describeOutcome(once)})`, evidence, remediation: 'After the retry succeeds, return its answer to the caller.' }, once)
  }

  // Part 2: the LLM stays rate-limited. Retries must be bounded and the request must end.
  await s.mock.setScenario('rate-limited', { retryAfterMs: BOUNDED_RETRY_AFTER_MS })
  const persistent = await s.chat('persistent 429', { timeoutMs: Math.min(s.requestTimeoutMs, 20_000) })
  const perModel = callsByModel(persistent)
  evidence.persistentRateLimit = { ...summarize(persistent), callsByModel: perModel }
  const worst = Object.entries(perModel).sort((a, b) => b[1] - a[1])[0]
  if (persistent.error === 'timeout' || (worst && worst[1] > MAX_CALLS_PER_MODEL)) {
    return traced({
      status: 'fail',
      message: persistent.error === 'timeout'
        ? `under a persistent 429 the agent kept retrying and did not answer within ${Math.min(s.requestTimeoutMs, 20_000) / 1000}s (${persistent.llmCalls.length} LLM calls)`
        : `under a persistent 429 the agent called ${worst![0]} ${worst![1]} times for one request (unbounded retries)`,
      evidence,
      remediation: advise(s.ctx, 'bounded-retries'),
    }, persistent)
  }
  const gapNote = sameModelRetry ? `retried after ${evidence.retryGapMs}ms (Retry-After ${RETRY_AFTER_MS / 1000}s)` : `switched to ${otherModel!.model} instead of retrying ${limited.model}`
  return { status: 'pass', message: `${gapNote}; under a persistent 429 it gave up after ${persistent.llmCalls.length} call(s) with ${describeOutcome(persistent)}`, evidence }
}

function callTimeline(ex: Exchange) {
  const t0 = ex.llmCalls[0]?.t ?? 0
  return ex.llmCalls.map((c) => ({ atMs: c.t - t0, model: c.model, outcome: c.outcome, status: c.status }))
}

export const retryAfterCheck: Check = {
  id: 'retry-after',
  category: 'resilience',
  title: 'Rate-limited LLM calls are retried after Retry-After, a bounded number of times',
  description: 'One 429 with Retry-After: 1s must be retried no sooner than 1s and succeed; a persistent 429 must end in a bounded number of attempts.',
  appliesTo: ['validate'],
  severity: 'fail',
  lock: 'mock-llm',
  options: resilienceOptions,
  timeoutMs: 120_000,
  run: (ctx) => runScenario(ctx, retryAfterScenario),
}
