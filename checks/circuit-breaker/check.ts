import type { Check, CheckOutcome } from '../../src/check.js'
import { formatDuration } from '../../src/duration.js'
import { advise } from '../remediation.js'
import { runScenario, type Session } from '../resilience-session.js'
import { type Exchange, isRefused, isSuccess, retryAfterMs, sleep, summarize, traced } from '../resilience-support.js'
import { resilienceOptions } from '../resilience-options.js'

/** Enough failing requests to trip a breaker whose threshold is up to ~10 consecutive failures. */
const MAX_STORM_REQUESTS = 30
/** Calls per request must fall to zero for this many requests (half-open probes aside): the breaker is open. */
const OPEN_STREAK = 5
const STORM_BUDGET_MS = 90_000
const SLOW_OPEN_MS = 2000

async function breakerScenario(s: Session): Promise<CheckOutcome> {
  await s.mock.setScenario('error-storm')
  const storm: Exchange[] = []
  const modelsSeen = new Set<string>()
  let open = 0
  let openSince = 0
  const stormDeadline = Date.now() + STORM_BUDGET_MS
  while (storm.length < MAX_STORM_REQUESTS && open < OPEN_STREAK && Date.now() < stormDeadline) {
    // Requests back to back, one stats read each: the faster they follow each other, the less a
    // short half-open delay lets probes through between them.
    const ex = await s.chat(`error-storm #${storm.length + 1}`, { timeoutMs: Math.min(s.requestTimeoutMs, 15_000), before: storm.at(-1)?.mockAfter })
    storm.push(ex)
    if (isRefused(ex)) {
      return traced({ status: 'fail', message: 'the agent stopped accepting connections during an LLM error storm (did it crash?)', evidence: stormEvidence(storm), remediation: 'Handle LLM 5xx responses as errors, never as fatal: catch them, count them in a circuit breaker and answer 503.' }, ...storm)
    }
    for (const c of ex.llmCalls) modelsSeen.add(c.model)
    const answered = ex.status !== undefined
    // Answered without touching the LLM after the LLM started failing: the breaker is open (or a cached fallback).
    if (answered && ex.llmCalls.length === 0 && modelsSeen.size > 0) {
      if (open === 0) openSince = storm.length - 1
      open += 1
    }
    // Once open, a half-open delay shorter than our request gap lets one probe per model through
    // now and then; that is the breaker working, so it neither counts nor resets. More calls than
    // that (retries, every model) means the breaker is closed again.
    else if (!(open > 0 && answered && ex.llmCalls.length <= modelsSeen.size)) open = 0
  }
  const streak = open
  const totalCalls = storm.reduce((n, e) => n + e.llmCalls.length, 0)
  if (totalCalls === 0) {
    return traced({ status: 'error', message: 'the agent made no LLM call during the error storm, so its breaker could not be exercised', evidence: stormEvidence(storm), remediation: 'Make sure every chat goes through the LLM at the mock (no response cache during validation).' }, ...storm)
  }
  if (streak < OPEN_STREAK) {
    const last = storm.slice(-OPEN_STREAK).map((e) => e.llmCalls.length)
    return traced({
      status: 'fail',
      message: `the agent kept calling the failing LLM: ${storm.length} requests made ${totalCalls} LLM calls (calls in the last ${last.length}: ${last.join(', ')}); no circuit breaker opened`,
      evidence: stormEvidence(storm),
      remediation: advise(s.ctx, 'breaker'),
    }, ...storm)
  }
  const openResponses = storm.slice(openSince).filter((e) => e.llmCalls.length === 0)
  const slowest = Math.max(...openResponses.map((e) => e.latencyMs))
  const probes: Exchange[] = []
  const recovery = await awaitClosed(s, probes)
  const evidence = { ...stormEvidence(storm), openResponses: openResponses.map(summarize), recovery }
  if (!recovery.closed) {
    return traced({
      status: 'fail',
      message: `the breaker opened but did not close within ${formatDuration(s.maxRecoveryMs)} after the LLM healed (${recovery.probes.length} probes, none went through)`,
      evidence,
      remediation: 'Give the breaker a half-open state: after a delay (10-30 s in production) let one request through; close on success. Raise --max-recovery if your half-open delay is longer than the bound.',
    }, ...probes)
  }
  const trippedAfter = openSince
  const missingRetryAfter = openResponses.some((e) => e.status !== undefined && e.status >= 500 && retryAfterMs(e) === undefined)
  if (slowest > SLOW_OPEN_MS) {
    return traced({
      status: 'warn',
      message: `the breaker opened after ${trippedAfter} failing requests and closed ${formatDuration(recovery.closedAfterMs!)} after the LLM healed, but open-state answers took up to ${formatDuration(slowest)}`,
      evidence,
      remediation: 'While the breaker is open, answer immediately (503 + Retry-After or a fallback) instead of waiting.',
    }, ...openResponses.filter((e) => e.latencyMs > SLOW_OPEN_MS))
  }
  return {
    status: 'pass',
    message: `breaker opened after ${trippedAfter} failing request(s) (then 0 LLM calls per request, answers in <= ${slowest}ms${missingRetryAfter ? ', though 5xx answers lack Retry-After' : ''}) and closed ${formatDuration(recovery.closedAfterMs!)} after the LLM healed`,
    evidence,
  }
}

interface Recovery {
  closed: boolean
  closedAfterMs?: number
  probes: Array<Record<string, unknown>>
}

/** Heals the LLM, then probes (pacing by Retry-After; each probe kept in `probes`) until requests reach the LLM and succeed again. */
async function awaitClosed(s: Session, probes: Exchange[]): Promise<Recovery> {
  await s.mock.setScenario('healthy')
  const healedAt = Date.now()
  const deadline = healedAt + s.maxRecoveryMs
  while (Date.now() < deadline) {
    const ex = await s.chat('after heal', { timeoutMs: Math.min(s.requestTimeoutMs, 15_000) })
    probes.push(ex)
    if (isSuccess(ex) && ex.llmCalls.some((c) => c.outcome === 'ok')) {
      // One success could be the half-open probe; a second one shows the breaker is closed.
      const confirm = await s.chat('confirm closed', { timeoutMs: Math.min(s.requestTimeoutMs, 15_000) })
      probes.push(confirm)
      if (isSuccess(confirm) && confirm.llmCalls.length > 0) return { closed: true, closedAfterMs: Date.now() - healedAt, probes: probes.slice(-6).map(summarize) }
    }
    const wait = Math.min(Math.max(retryAfterMs(ex) ?? 250, 100), 2000, Math.max(0, deadline - Date.now()))
    if (wait > 0) await sleep(wait, s.ctx.signal)
  }
  return { closed: false, probes: probes.slice(-6).map(summarize) }
}

function stormEvidence(storm: Exchange[]) {
  return {
    scenario: 'error-storm',
    requests: storm.length,
    llmCallsPerRequest: storm.map((e) => e.llmCalls.length),
    statuses: storm.map((e) => e.status ?? e.error),
    latenciesMs: storm.map((e) => e.latencyMs),
  }
}

export const circuitBreakerCheck: Check = {
  id: 'circuit-breaker',
  category: 'resilience',
  title: 'Circuit breaker stops calling a failing LLM and closes after it heals',
  description: 'Drives an LLM error storm through the mock: LLM calls per request must fall to zero while requests still get fast answers, and the breaker must close once the LLM heals.',
  appliesTo: ['validate'],
  severity: 'fail',
  lock: 'mock-llm',
  options: resilienceOptions,
  timeoutMs: 240_000,
  run: (ctx) => runScenario(ctx, breakerScenario),
}
