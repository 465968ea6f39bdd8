import { z } from 'zod'
import type { Check, CheckOutcome } from '../../src/check.js'
import { runScenario, type Session } from '../resilience-session.js'
import { type Exchange, chatExchange, retryAfterMs, summarize, traced, uniqueMessage } from '../resilience-support.js'
import { resilienceOptions } from '../resilience-options.js'

/** Besides the family's options: how many requests the burst may send before concluding there is no limit. */
const rateLimitingOptions = resilienceOptions.extend({ rateLimitProbeRequests: z.number().int().positive().default(300) })
/** Low on purpose: a limiter counts requests, and agents with a serialized store slow down badly under concurrency. */
const CONCURRENCY = 2
const BURST_BUDGET_MS = 20_000

async function rateLimitScenario(s: Session): Promise<CheckOutcome> {
  const limit = (s.ctx.options as z.output<typeof rateLimitingOptions>).rateLimitProbeRequests
  const deadline = Date.now() + BURST_BUDGET_MS
  const statuses: Record<string, number> = {}
  let sent = 0
  let limited: Exchange | undefined
  const started = Date.now()
  // A burst from one client: the mock is not consulted per request (this check counts answers, not calls).
  const worker = async () => {
    while (!limited && sent < limit && Date.now() < deadline) {
      sent += 1
      const ex = await chatExchange(s.protocol, undefined, s.ctx.signal, 'burst', { message: uniqueMessage('rate-limit burst'), marker: s.mock.nextMarker() }, { timeoutMs: 10_000 })
      const key = String(ex.status ?? ex.error)
      statuses[key] = (statuses[key] ?? 0) + 1
      if (ex.status === 429) limited ??= ex
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker))
  const evidence = { requestsSent: sent, concurrency: CONCURRENCY, elapsedMs: Date.now() - started, statuses, ...(limited ? { firstLimited: { ...summarize(limited), bodySample: limited.text.slice(0, 160) } } : {}) }
  if (!limited) {
    return {
      status: 'warn',
      message: `no 429 after ${sent} requests in ${Math.round((Date.now() - started) / 100) / 10}s from one client: no rate limit observed (it may be higher than the probe)`,
      evidence,
      remediation: 'Limit requests per API key or client (e.g. rate-limiter-flexible) and answer 429 with Retry-After: one client must not be able to spend the whole LLM budget.',
    }
  }
  const wait = retryAfterMs(limited)
  if (wait === undefined) {
    return traced({ status: 'fail', message: `the agent rate-limited after ${sent} requests but its 429 has no valid Retry-After header`, evidence, remediation: 'Send Retry-After (seconds until the window resets) with every 429 so clients and SDKs back off for the right time.' }, limited)
  }
  return { status: 'pass', message: `the agent answered 429 with Retry-After: ${limited.headers['retry-after']} after ${sent} requests in a burst`, evidence }
}

export const rateLimitingCheck: Check = {
  id: 'rate-limiting',
  category: 'resilience',
  title: 'Rate limiting answers 429 with Retry-After',
  description: 'A burst from one client (up to 300 requests) must be limited with 429 and a valid Retry-After header. Runs last: it leaves the limiter tripped.',
  appliesTo: ['validate'],
  severity: 'fail',
  lock: 'mock-llm',
  options: rateLimitingOptions,
  timeoutMs: 120_000,
  run: (ctx) => runScenario(ctx, rateLimitScenario, { repeatable: false }),
}
