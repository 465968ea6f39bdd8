import { z } from 'zod'
/**
 * One resilience check's session: the mock, the agent, the bounds, and the preamble every check
 * runs (mock healthy, agent answering through the mock) so that a previous check's open breaker
 * or tripped limiter never poisons the next verdict.
 */
import type { CheckContext, CheckOutcome } from '../src/check.js'
import { formatDuration } from '../src/duration.js'
import { ProtocolSetupError } from '../src/protocols/a2a-card.js'
import { llmTrafficProblem } from '../harness/mock-llm/diagnosis.js'
import { openTargetProtocol } from '../src/protocols/index.js'
import type { TargetProtocol } from '../src/protocols/types.js'
import { noteFramework } from './remediation.js'
import { AttributedMock, type LateCalls, lateCallsNote } from './resilience-attribution.js'
import {
  type AgentTarget,
  chatExchange,
  describeOutcome,
  type Exchange,
  exchange,
  isRefused,
  isSuccess,
  retryAfterMs,
  type SendOptions,
  sleep,
  summarize,
  traced,
  uniqueMessage,
} from './resilience-support.js'
import { type ResilienceOptions, resilienceOptions } from './resilience-options.js'

const UNREACHABLE_KEY = 'resilience.unreachable'
const PRIMARY_KEY = 'resilience.primaryModel'
const PROTOCOL_KEY = 'resilience.protocol'

export class Session {
  readonly mock: AttributedMock
  /** The target protocol every chat goes through; set by prepare(). */
  protocol!: TargetProtocol
  readonly target: AgentTarget
  readonly maxRecoveryMs: number
  readonly requestTimeoutMs: number
  readonly hangBudgetMs: number
  readonly repeat: number
  readonly minPassRate: number

  constructor(readonly ctx: CheckContext) {
    // The runner parsed them through the check's schema (resilienceOptions, or an extension of it);
    // parsing the family's keys again is idempotent and keeps a Session sound in any check.
    const o: ResilienceOptions = z.object(resilienceOptions.shape).parse(ctx.options)
    const { host, port } = ctx.config.faults.mockLlm
    this.maxRecoveryMs = o.maxRecoveryMs
    this.mock = new AttributedMock(o.mockUrl ?? `http://${host}:${port}`, { checkId: ctx.checkId, quietBoundMs: this.maxRecoveryMs, signal: ctx.signal, log: ctx.log, shared: ctx.shared, knownNoBackground: o.self })
    const t = ctx.config.target
    this.target = { url: t.url, chatPath: t.chatPath, healthPath: t.healthPath, apiKey: t.apiKey }
    this.requestTimeoutMs = o.requestTimeoutMs
    this.hangBudgetMs = o.hangBudgetMs ?? Math.min(30_000, Math.max(10_000, 2 * ctx.config.slo.p95Ms))
    this.repeat = o.repeat
    this.minPassRate = o.minPassRate
  }

  /** The model the agent uses when everything is healthy (learned from the mock's log). */
  get primaryModel(): string | undefined {
    return this.ctx.shared.get(PRIMARY_KEY) as string | undefined
  }

  /**
   * One chat through the target protocol, with its own attribution marker: its llmCalls are the
   * calls it caused, whatever the agent still does in the background for earlier chats.
   */
  chat(purpose: string, extra: { timeoutMs?: number; before?: unknown } = {}): Promise<Exchange> {
    return this.retryValidatorLimit(purpose, async () => {
      const marker = this.mock.nextMarker()
      const ex = await chatExchange(this.protocol, this.mock, this.ctx.signal, purpose, { message: uniqueMessage(purpose), marker }, { timeoutMs: extra.timeoutMs ?? this.requestTimeoutMs })
      this.mock.sent(ex)
      noteFramework(this.ctx, ex.framework)
      return ex
    })
  }

  /** A raw request (malformed bodies, other routes): its LLM calls are whatever the mock logged meanwhile. */
  send(label: string, opts: SendOptions): Promise<Exchange> {
    return this.retryValidatorLimit(label, () => exchange(this.target, this.mock, this.ctx.signal, label, opts))
  }

  /**
   * One request. A 429 that cost no LLM call is the agent's own rate limiter refusing the
   * validator, not behaviour under the fault: wait as told and resend, so that a limiter can never
   * pass for an open breaker or a rejected input. A 429 after LLM calls is the agent's answer.
   */
  private async retryValidatorLimit(label: string, attempt: () => Promise<Exchange>): Promise<Exchange> {
    const deadline = Date.now() + this.maxRecoveryMs
    for (;;) {
      const ex = await attempt()
      if (ex.status !== 429 || ex.llmCalls.length > 0) return ex
      const wait = retryAfterMs(ex) ?? 1000
      if (Date.now() + wait > deadline) throw new ValidatorRateLimited(ex, this.maxRecoveryMs)
      this.ctx.log(`${label}: the agent rate-limited the validator; waiting ${wait}ms`)
      await sleep(wait, this.ctx.signal)
    }
  }

  health(label = 'GET health', timeoutMs = 3000): Promise<Exchange> {
    return this.send(label, { method: 'GET', path: this.target.healthPath, timeoutMs, auth: false })
  }

  private async openProtocol(): Promise<CheckOutcome | undefined> {
    const opened = await targetProtocol(this.ctx)
    if ('status' in opened) return opened
    this.protocol = opened
    return undefined
  }

  /**
   * Mock healthy, then wait (bounded by maxRecoveryMs) until the agent answers a chat through the
   * mock, with its primary model when we know it. Returns an outcome only when the check can't run.
   */
  async prepare(): Promise<CheckOutcome | undefined> {
    const cached = this.ctx.shared.get(UNREACHABLE_KEY) as CheckOutcome | undefined
    if (cached) return cached
    if (!(await this.mock.ping())) return this.remember(mockUnreachable(this.mock.url))
    const noProtocol = await this.openProtocol()
    if (noProtocol) return this.remember(noProtocol)
    await this.mock.reset()
    const deadline = Date.now() + this.maxRecoveryMs
    let zeroCallAnswers = 0
    let last: Exchange | undefined
    for (;;) {
      last = await this.chat('warm-up')
      if (isRefused(last)) return this.remember(agentUnreachable(this.target.url, last))
      if (last.status === 401 || last.status === 403) return this.remember(credentialsRejected(last))
      // A 4xx other than 429 does not heal with time: the request itself is refused. Say so at once.
      if (last.status !== undefined && last.status >= 400 && last.status < 500 && last.status !== 429) return this.remember(chatRefused(this, last))
      if (isSuccess(last) && last.llmCalls.length > 0) {
        const primary = this.primaryModel ?? last.llmCalls[0]!.model
        this.ctx.shared.set(PRIMARY_KEY, primary)
        // With a fallback pool a success may come from the fallback while the primary's breaker is
        // still open; wait for the primary so the next scenario starts from the normal path.
        const primaryOk = last.llmCalls.some((c) => c.model === primary && c.outcome === 'ok')
        if (primaryOk || Date.now() > deadline) return undefined
      } else if (isSuccess(last)) {
        zeroCallAnswers += 1
        if (zeroCallAnswers >= 3) return this.remember(await notWired(this, last))
      }
      if (Date.now() > deadline) {
        // Remembered: the next checks would each wait --max-recovery again for the same broken agent.
        const answered = last.status !== undefined
        return this.remember(traced({
          status: 'error',
          message: answered
            ? `through the healthy mock LLM the agent kept answering chats with ${describeOutcome(last)} for ${formatDuration(this.maxRecoveryMs)}, so its resilience can't be judged`
            : `the agent did not answer a chat through the healthy mock LLM within ${formatDuration(this.maxRecoveryMs)} (${describeOutcome(last)}), so its resilience can't be judged`,
          evidence: { lastResponse: summarize(last), bodySample: last.text.slice(0, 300), protocol: this.protocol.describe() },
          remediation: `Check that ${this.protocol.describe()} serves chats and recovers once the LLM is healthy; raise --max-recovery if its breaker needs longer.`,
        }, last))
      }
      await sleep(Math.min(Math.max(retryAfterMs(last) ?? 250, 100), 2000, Math.max(deadline - Date.now(), 100)), this.ctx.signal)
    }
  }

  /** Waits (bounded) for the agent's LLM traffic to go quiet and returns the calls that came late. */
  settle(): Promise<LateCalls | undefined> {
    return this.mock.settle()
  }

  /** Back to healthy; never throws (cleanup must not mask the verdict). */
  async restore(): Promise<void> {
    await this.mock.reset().catch(() => undefined)
  }

  private remember(outcome: CheckOutcome): CheckOutcome {
    // Unreachable mock/agent or bad credentials affect every check: decide once, fail fast after.
    this.ctx.shared.set(UNREACHABLE_KEY, outcome)
    return outcome
  }
}

/** The agent's limiter kept refusing the validator longer than --max-recovery: no verdict possible. */
export class ValidatorRateLimited extends Error {
  constructor(
    readonly ex: Exchange,
    readonly waitedMs: number,
  ) {
    super('the agent rate-limited the validator')
  }

  outcome(): CheckOutcome {
    return traced({
      status: 'error',
      message: `the agent's own rate limiter (HTTP 429 before any LLM call) kept refusing the validator for ${formatDuration(this.waitedMs)}, so this check could not be judged`,
      evidence: { lastResponse: summarize(this.ex) },
      remediation: 'Raise the agent\'s rate limit for the validation API key (validate sends about 50 chats per run, times --repeat), or raise --max-recovery to wait out the window.',
    }, this.ex)
  }
}

export function mockUnreachable(url: string): CheckOutcome {
  return {
    status: 'error',
    message: `no agentctl mock LLM answers at ${url} (GET /__mock/stats), so resilience can't be proven`,
    evidence: { mockUrl: url },
    remediation: `Start the mock and point the agent's LLM client at it: \`agentctl mock-llm --port ${new URL(url).port || 4010}\`, then run the agent with LLM_BASE_URL=${url}/v1 (or use \`agentctl validate --self\` for the bundled agent). Set faults.mockLlm.port if it listens elsewhere.`,
  }
}

function agentUnreachable(url: string, ex: Exchange): CheckOutcome {
  return {
    status: 'error',
    message: `the agent at ${url} refused the connection`,
    evidence: { lastResponse: summarize(ex) },
    remediation: 'Start the agent before validating (or use `agentctl validate --self`), and pass its URL with --target.',
  }
}

function credentialsRejected(ex: Exchange): CheckOutcome {
  return traced({
    status: 'error',
    message: `the agent rejected the validator's credentials (HTTP ${ex.status})`,
    evidence: { lastResponse: summarize(ex) },
    remediation: 'Set target.apiKey in agentctl.yaml (target: { apiKey: ${AGENT_API_KEY} }) to a key the agent accepts.',
  }, ex)
}

function chatRefused(s: Session, ex: Exchange): CheckOutcome {
  return traced({
    status: 'error',
    message: `the agent refused the validator's chat with ${describeOutcome(ex)} in ${ex.latencyMs}ms, so its resilience can't be judged`,
    evidence: { lastResponse: summarize(ex), bodySample: ex.text.slice(0, 300), protocol: s.protocol.describe() },
    remediation: `Check that the agent speaks the configured protocol: agentctl sent ${s.protocol.describe()}. Set target.protocol (agentctl | openai-chat | a2a | ai-sdk | http) and target.chatPath to match the agent, or describe a custom API with target.request/target.response.`,
  }, ex)
}

/** Answers without a marked LLM call: not wired to the mock, wired but the marker lost, or an API the mock does not serve. */
async function notWired(s: Session, ex: Exchange): Promise<CheckOutcome> {
  return traced(await notWiredOutcome(s, ex), ex)
}

async function notWiredOutcome(s: Session, ex: Exchange): Promise<CheckOutcome> {
  const mockUrl = s.mock.url
  const log = await s.mock.stats().catch(() => undefined)
  const calls = log?.calls ?? []
  const evidence = { lastResponse: summarize(ex), mockUrl, mockCallsMeanwhile: calls.length }
  // Which API the agent called, when it hit a route the mock does not serve (the mock's own diagnosis).
  const traffic = log ? llmTrafficProblem(log, mockUrl) : undefined
  if (traffic && calls.some((c) => c.api === 'unserved')) {
    return {
      status: 'error',
      message: `${traffic}, so its resilience can't be judged`,
      evidence,
      remediation: `Point the agent's LLM client at the mock with an API it serves (OpenAI Chat Completions or Responses at ${mockUrl}/v1, Anthropic Messages at ${mockUrl}), and set dependencies.llm.api to match.`,
    }
  }
  if (calls.length > 0) {
    return {
      status: 'error',
      message: `the agent called the mock LLM (${calls.length} call(s)) but none carried the validator's marker [agentctl:…] from the user message, so calls can't be attributed to checks`,
      evidence,
      remediation: 'Pass the user message to the model verbatim (agentctl appends a marker such as [agentctl:model-fallback-1] to it); a rewriting step or a cache in front of the model hides it.',
    }
  }
  return {
    status: 'error',
    message: 'the agent answers chats without calling the mock LLM, so its LLM traffic does not go through the mock',
    evidence,
    remediation: `Start the agent with its LLM base URL on the mock (LLM_BASE_URL=${mockUrl}/v1 or your client's equivalent) and disable response caching for the validation run.`,
  }
}

/**
 * Runs a scenario `repeat` times, each from a prepared, healthy start, and gates on the pass rate.
 * A run that can't be judged (error) counts as not passing.
 */
export async function runScenario(ctx: CheckContext, scenario: (s: Session) => Promise<CheckOutcome>, opts: { repeatable?: boolean } = {}): Promise<CheckOutcome> {
  const session = new Session(ctx)
  const runs = opts.repeatable === false ? 1 : session.repeat
  const outcomes: CheckOutcome[] = []
  for (let i = 0; i < runs; i++) {
    try {
      const blocked = await session.prepare()
      if (blocked) return blocked
      const outcome = await scenario(session)
      outcomes.push(withLateCalls(outcome, await session.settle()))
    } catch (error) {
      if (!(error instanceof ValidatorRateLimited)) throw error
      return error.outcome()
    } finally {
      await session.restore()
    }
    if (runs > 1) ctx.log(`run ${i + 1}/${runs}: ${outcomes.at(-1)!.status}`)
  }
  if (runs === 1) return outcomes[0]!
  const passed = outcomes.filter((o) => o.status === 'pass').length
  const rate = passed / runs
  const summary = outcomes.map((o, i) => ({ run: i + 1, status: o.status, message: o.message }))
  if (rate >= session.minPassRate) {
    const first = outcomes.find((o) => o.status === 'pass') ?? outcomes[0]!
    return { ...first, status: 'pass', message: `${passed}/${runs} runs passed: ${first.message}`, evidence: { ...first.evidence, passRate: rate, runs: summary } }
  }
  const worst = outcomes.find((o) => o.status === 'fail') ?? outcomes.find((o) => o.status !== 'pass')!
  return {
    ...worst,
    status: worst.status === 'error' ? 'error' : 'fail',
    message: `${passed}/${runs} runs passed (needs ${Math.round(session.minPassRate * 100)}%): ${worst.message}`,
    evidence: { ...worst.evidence, passRate: rate, runs: summary },
  }
}

/** Calls that kept coming after the client had its answer (or gave up) are evidence, and said in the message. */
function withLateCalls(outcome: CheckOutcome, late: LateCalls | undefined): CheckOutcome {
  if (!late) return outcome
  return { ...outcome, message: `${outcome.message}; ${lateCallsNote(late)}`, evidence: { ...outcome.evidence, lateLlmCalls: late } }
}

/**
 * The target protocol, opened (and for A2A discovered) once per validate run and shared by every
 * check; an error outcome naming the cause and the fix when discovery fails.
 */
export async function targetProtocol(ctx: CheckContext): Promise<TargetProtocol | CheckOutcome> {
  const cached = ctx.shared.get(PROTOCOL_KEY) as TargetProtocol | undefined
  if (cached) return cached
  try {
    const protocol = await openTargetProtocol(ctx.config.target, { signal: ctx.signal, timeoutMs: 5000 })
    ctx.shared.set(PROTOCOL_KEY, protocol)
    return protocol
  } catch (error) {
    if (!(error instanceof ProtocolSetupError)) throw error
    return { status: 'error', message: `${error.message}, so this can't be judged`, evidence: error.evidence, remediation: error.hint }
  }
}
