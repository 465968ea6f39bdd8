import type { Check, CheckOutcome } from '../../src/check.js'
import { runScenario, type Session } from '../resilience-session.js'
import { type Exchange, summarize } from '../resilience-support.js'
import { resilienceOptions } from '../resilience-options.js'

/** Far above any sane chat message and any model's context window. */
const OVERSIZED_BYTES = 2 * 1024 * 1024

async function inputScenario(s: Session): Promise<CheckOutcome> {
  const cases: Array<{ name: string; ex: Exchange; tolerateReset?: boolean }> = []
  const send = (name: string, rawBody: string, tolerateReset = false) =>
    s.send(name, { rawBody, timeoutMs: 10_000 }).then((ex) => cases.push({ name, ex, tolerateReset }))
  await send('invalid JSON', '{"message": "hello",')
  await send('empty body', '')
  await send('empty message', JSON.stringify({ message: '' }))
  await send('message not a string', JSON.stringify({ message: { nested: true } }))
  // A server may answer 413 and close before reading the body; a reset with zero LLM calls is a rejection too.
  await send(`oversized (${OVERSIZED_BYTES / 1024 / 1024} MiB)`, JSON.stringify({ message: 'lorem ipsum dolor sit amet '.repeat(Math.ceil(OVERSIZED_BYTES / 27)).slice(0, OVERSIZED_BYTES) }), true)
  const problems: string[] = []
  for (const { name, ex, tolerateReset } of cases) {
    if (ex.llmCalls.length > 0) problems.push(`${name}: reached the LLM (${ex.llmCalls.length} call(s))`)
    else if (ex.status === undefined && !(tolerateReset && ex.error !== 'timeout')) problems.push(`${name}: no answer (${ex.error})`)
    else if (ex.status !== undefined && (ex.status < 400 || ex.status >= 500)) problems.push(`${name}: HTTP ${ex.status} (expected 4xx)`)
  }
  const evidence = { cases: cases.map(({ ex }) => ({ ...summarize(ex), bodySample: ex.text.slice(0, 160) })) }
  if (problems.length > 0) {
    return {
      status: 'fail',
      message: `invalid input was not rejected cleanly: ${problems.join('; ')}`,
      evidence,
      remediation: 'Validate requests before any LLM call: limit the body size (413), parse JSON in try/catch (400), require a non-empty string message within a token budget (400/422), and return {error:{message,type,code}}.',
    }
  }
  return { status: 'pass', message: `${cases.length} invalid requests got 4xx answers with zero LLM calls`, evidence }
}

export const inputValidationCheck: Check = {
  id: 'input-validation',
  category: 'resilience',
  title: 'Invalid input is rejected with 4xx before reaching the LLM',
  description: 'Invalid JSON, an empty body or message, a non-string message and a 2 MiB body must get 4xx answers and cost zero LLM calls.',
  appliesTo: ['validate'],
  severity: 'fail',
  lock: 'mock-llm',
  options: resilienceOptions,
  timeoutMs: 120_000,
  run: (ctx) => runScenario(ctx, inputScenario, { repeatable: false }),
}
