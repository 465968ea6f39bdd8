import type { Check, CheckOutcome } from '../../src/check.js'
import { runScenario, type Session } from '../resilience-session.js'
import { describeOutcome, type Exchange, isRefused, isSuccess, summarize, traced } from '../resilience-support.js'
import { resilienceOptions } from '../resilience-options.js'

const SCENARIOS = ['malformed-json', 'truncated-stream', 'empty-choices', 'bad-tool-args', 'tool-loop'] as const
/** More LLM calls than this for one chat means the tool loop has no iteration cap. */
const MAX_CALLS_PER_REQUEST = 25

interface Verdict {
  scenario: string
  problem?: string
  unclear?: string
  dead?: boolean
  /** The chat judged (its trace goes with a problem). */
  chat?: Exchange
}

async function badOutputScenario(s: Session): Promise<CheckOutcome> {
  const verdicts: Verdict[] = []
  const cases: Array<Record<string, unknown>> = []
  for (const [i, scenario] of SCENARIOS.entries()) {
    if (i > 0) {
      const blocked = await s.prepare()
      if (blocked) return blocked.status === 'error' && verdicts.length > 0 ? summarizeVerdicts(verdicts, cases, 'the agent stopped serving chats after the previous case') : blocked
    }
    await s.mock.setScenario(scenario)
    const ex = await s.chat(scenario, { timeoutMs: s.hangBudgetMs })
    await s.mock.reset()
    const health = await s.health(`GET health after ${scenario}`)
    cases.push({ scenario, ...summarize(ex), bodySample: ex.text.slice(0, 160), healthAfter: health.status ?? health.error })
    const v = { ...judge(scenario, ex, health), chat: ex }
    verdicts.push(v)
    if (v.dead) break
  }
  return summarizeVerdicts(verdicts, cases)
}

function judge(scenario: string, ex: Exchange, health: Exchange): Verdict {
  if (isRefused(health) || (ex.status === undefined && ex.error !== 'timeout')) {
    return { scenario, problem: `the agent crashed or dropped the connection (${ex.error ?? 'no answer'}; health afterwards: ${health.status ?? health.error})`, dead: isRefused(health) }
  }
  if (ex.error === 'timeout') return { scenario, problem: `no answer within ${ex.latencyMs}ms` }
  if (!isSuccess(health)) return { scenario, problem: `the agent was unhealthy afterwards (health ${health.status ?? health.error})` }
  if (ex.llmCalls.length > MAX_CALLS_PER_REQUEST) return { scenario, problem: `${ex.llmCalls.length} LLM calls for one chat: no cap on tool iterations` }
  // Judged from content: a recovered answer has text; an error inside a 2xx (JSON-RPC error,
  // failed task, SSE error part) is a clear error; a 2xx with no text is neither.
  if (isSuccess(ex) || ex.outcome?.kind === 'in-band-error') return { scenario }
  if (ex.outcome?.kind === 'empty') return { scenario, unclear: `${describeOutcome(ex)}: neither a recovered answer nor an error` }
  const body = ex.body as { error?: { message?: unknown } | string; message?: unknown } | undefined
  const message = typeof body?.error === 'string' ? body.error : (body?.error?.message ?? body?.message)
  if (typeof message === 'string' && message.trim()) return { scenario }
  return { scenario, unclear: `HTTP ${ex.status} without an error message` }
}

function summarizeVerdicts(verdicts: Verdict[], cases: Array<Record<string, unknown>>, note?: string): CheckOutcome {
  const evidence = { cases, ...(note ? { note } : {}) }
  const problems = verdicts.filter((v) => v.problem)
  const unclear = verdicts.filter((v) => v.unclear)
  if (problems.length > 0) {
    return traced({
      status: 'fail',
      message: `bad LLM output broke the agent: ${problems.map((v) => `${v.scenario}: ${v.problem}`).join('; ')}`,
      evidence,
      remediation: 'Validate every LLM response before using it: parse JSON in try/catch, check `choices` is non-empty, validate tool arguments against the tool schema (return the validation error to the model), cap tool iterations (e.g. 5), and answer 502 with {error:{message}} when the output is unusable. Never let a parse error reach the process level.',
    }, ...problems.map((v) => v.chat))
  }
  if (unclear.length > 0) {
    return traced({ status: 'warn', message: `the agent survived bad LLM output but answered without a clear error: ${unclear.map((v) => `${v.scenario}: ${v.unclear}`).join('; ')}`, evidence, remediation: 'Return a JSON error body ({error:{message,type,code}}) that says the model\'s output was unusable.' }, ...unclear.map((v) => v.chat))
  }
  return { status: 'pass', message: `survived ${verdicts.map((v) => v.scenario).join(', ')} with a clear error or a recovered answer, healthy afterwards`, evidence }
}

export const badLlmOutputCheck: Check = {
  id: 'bad-llm-output',
  category: 'resilience',
  title: 'Bad LLM output (malformed JSON, truncated stream, empty choices, bad tool args, tool loop) is survived',
  description: 'For each malformed-output fault the agent must answer with a clear error or a recovered answer, stay healthy and cap tool loops.',
  appliesTo: ['validate'],
  severity: 'fail',
  lock: 'mock-llm',
  options: resilienceOptions,
  timeoutMs: 240_000,
  run: (ctx) => runScenario(ctx, badOutputScenario),
}
