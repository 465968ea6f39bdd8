/**
 * The ReAct tool loop: ask the model, run the tools it calls, feed the results back, until it
 * answers in plain text or MAX_ITERATIONS is reached.
 *
 * - Every LLM call goes through ResilientLlm (timeouts, retries, breakers, fallback models).
 * - Tool arguments are validated by the tool registry against each tool's schema before the tool
 *   runs; invalid arguments, denials and timeouts go back to the model as the tool's result, so
 *   it can correct itself instead of the chat failing.
 * - The prompt is fitted to CONTEXT_TOKEN_BUDGET before each call (context.ts). A
 *   context_length_exceeded answer halves the budget and retries once.
 * - Hitting MAX_ITERATIONS is an error (500 `max_iterations`), not a partial 200: a loop that does
 *   not converge is a failure operators must see in their error rate, and nothing is stored.
 */
import type { Logger } from 'pino'
import { costUsd, priceOf, type PricingTable } from '../src/pricing.js'
import { type CountedMessage, countMessage, countText, fitContext, withCount } from './context.js'
import { ApiError } from './errors.js'
import type { ResilientLlm } from './llm/resilience.js'
import { type Completion, LlmError, type Usage } from './llm/types.js'
import type { Telemetry } from './telemetry.js'
import type { TurnTrace } from './tracing-types.js'
import type { ToolContext, ToolRegistry } from './tools/index.js'

export interface OrchestratorOptions {
  systemPrompt: string
  maxIterations: number
  contextTokenBudget: number
}

export interface TurnInput {
  history: CountedMessage[]
  message: string
  role: string
  signal: AbortSignal
  deadline: number
  /** Model preference for this turn (a budget downgrade); default: the pool's order. */
  models?: string[]
  /** Everything the tools need except the signal, which the loop supplies. */
  toolContext: Omit<ToolContext, 'signal' | 'role'>
  logger: Logger
  /** The turn's trace (LLM attempt and tool spans); undefined when tracing is off. */
  trace?: TurnTrace
}

export interface TurnResult {
  answer: string
  iterations: number
  model: string
  promptTokens: number
  completionTokens: number
  costUsd: number
  /** The turn's messages to store: user, assistant tool calls, tool results, final answer. */
  messages: CountedMessage[]
  /** Milliseconds spent waiting on the LLM (every call, retries included) and on tools. */
  llmMs: number
  toolMs: number
}

/**
 * Tool calls of one model answer run in parallel, but at most this many at once: a model asking
 * for dozens of SQL queries must not take every pooled PostgreSQL connection from other chats.
 */
const MAX_PARALLEL_TOOLS = 4

/** Like Promise.all over `items.map(fn)`, with at most `limit` calls in flight; results keep their order. */
export async function mapBounded<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const i = next++
      results[i] = await fn(items[i]!)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return results
}

type Totals = { promptTokens: number; completionTokens: number; costUsd: number }

const SPENT = Symbol('agent.turnCostUsd')

/** USD a failed turn had spent on LLM calls before it failed (0 when none, or not a turn error). */
export function spentBeforeFailure(error: unknown): number {
  return typeof error === 'object' && error !== null ? ((error as { [SPENT]?: number })[SPENT] ?? 0) : 0
}

export class Orchestrator {
  private readonly system: CountedMessage
  private readonly toolTokens = new Map<string, number>()

  constructor(
    private readonly llm: ResilientLlm,
    private readonly tools: ToolRegistry,
    private readonly options: OrchestratorOptions,
    private readonly pricing: PricingTable,
    private readonly telemetry: Telemetry,
  ) {
    this.system = withCount({ role: 'system', content: options.systemPrompt })
  }

  async run(input: TurnInput): Promise<TurnResult> {
    const totals = { promptTokens: 0, completionTokens: 0, costUsd: 0 }
    try {
      return await this.loop(input, totals)
    } catch (error) {
      // The calls made before the failure were paid for: the caller charges them to the budget.
      if (totals.costUsd > 0 && typeof error === 'object' && error !== null && Object.isExtensible(error)) Object.defineProperty(error, SPENT, { value: totals.costUsd })
      throw error
    }
  }

  private async loop(input: TurnInput, totals: Totals): Promise<TurnResult> {
    const tools = this.tools.definitions(input.role)
    const reserved = this.toolDefinitionTokens(input.role, tools)
    const turn: CountedMessage[] = [withCount({ role: 'user', content: input.message })]
    const waited = { llmMs: 0, toolMs: 0 }
    let budget = this.options.contextTokenBudget
    let trimmedOnce = false

    for (let iteration = 1; iteration <= this.options.maxIterations; ) {
      const context = fitContext(this.system, input.history, turn, budget, reserved)
      let completion: Completion
      const asked = performance.now()
      try {
        completion = await this.llm.complete({ messages: context.messages, tools, signal: input.signal, deadline: input.deadline, models: input.models, trace: input.trace })
      } catch (error) {
        // A failed call the provider still billed (truncated, filtered) counts like any other.
        if (error instanceof LlmError && error.details.usage) this.account(error.details.model ?? 'unknown', error.details.usage, totals)
        if (error instanceof LlmError && error.kind === 'context_length' && !trimmedOnce) {
          trimmedOnce = true
          budget = Math.max(1, Math.floor(Math.min(budget, context.tokens + reserved) / 2))
          input.logger.warn({ budget, dropped: context.dropped }, 'context_length_exceeded: trimming the history and retrying once')
          continue
        }
        throw error
      } finally {
        waited.llmMs += performance.now() - asked
      }
      // Usage from the provider, or estimated with the tokenizer when it sends none.
      const usage = completion.usage ?? {
        promptTokens: context.tokens + reserved,
        completionTokens: countMessage({ role: 'assistant', content: completion.content, tool_calls: completion.toolCalls }),
      }
      this.account(completion.model, usage, totals)

      if (completion.finishReason === 'stop') {
        turn.push(withCount({ role: 'assistant', content: completion.content }))
        return { answer: completion.content ?? '', iterations: iteration, model: completion.model, ...totals, ...waited, messages: turn }
      }
      turn.push(withCount({ role: 'assistant', content: completion.content, tool_calls: completion.toolCalls }))
      const toolsStarted = performance.now()
      const results = await mapBounded(completion.toolCalls, MAX_PARALLEL_TOOLS, async (call) => {
        const endSpan = input.trace?.tool(call.function.name, call.id)
        const result = await this.tools.execute(
          { name: call.function.name, arguments: call.function.arguments },
          { ...input.toolContext, role: input.role, signal: input.signal },
        )
        endSpan?.(result.outcome)
        return result
      })
      waited.toolMs += performance.now() - toolsStarted
      completion.toolCalls.forEach((call, i) => turn.push(withCount({ role: 'tool', tool_call_id: call.id, content: results[i].content })))
      iteration++
    }
    throw new ApiError(
      500,
      'max_iterations',
      `the agent stopped after ${this.options.maxIterations} tool iterations without a final answer (MAX_ITERATIONS)`,
    )
  }

  /** Adds one call's tokens and cost to the turn and to the metrics. */
  private account(model: string, usage: Usage, totals: Totals) {
    const usd = costUsd(priceOf(this.pricing, model), usage.promptTokens, usage.completionTokens)
    totals.promptTokens += usage.promptTokens
    totals.completionTokens += usage.completionTokens
    totals.costUsd += usd
    this.telemetry.llmTokens.inc({ model, kind: 'prompt' }, usage.promptTokens)
    this.telemetry.llmTokens.inc({ model, kind: 'completion' }, usage.completionTokens)
    this.telemetry.llmCost.inc({ model }, usd)
  }

  /** Tool definitions are sent with every call: their tokens are reserved from the budget. */
  private toolDefinitionTokens(role: string, tools: unknown[]): number {
    let tokens = this.toolTokens.get(role)
    if (tokens === undefined) {
      tokens = tools.length ? countText(JSON.stringify(tools)) : 0
      this.toolTokens.set(role, tokens)
    }
    return tokens
  }
}
