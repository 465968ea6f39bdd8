/** The slice of the OpenAI chat-completions wire format the agent speaks, and its failure taxonomy. */
import type { LlmOutcome } from '../telemetry.js'

export interface ToolCallMessage {
  id: string
  type: 'function'
  function: { name: string; arguments: string }
}

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool'
  content: string | null
  tool_calls?: ToolCallMessage[]
  tool_call_id?: string
}

export interface Usage {
  promptTokens: number
  completionTokens: number
}

export interface Completion {
  /** The model that answered (the one we asked; providers may append a version suffix). */
  model: string
  content: string | null
  toolCalls: ToolCallMessage[]
  finishReason: 'stop' | 'tool_calls'
  /** From the provider; undefined when it sent none (the caller estimates with the tokenizer). */
  usage?: Usage
}

/**
 * Why a call failed. The kind decides everything downstream: retried or not, counted by the
 * breaker or not, which metric outcome, which HTTP status the agent answers with.
 */
export type LlmErrorKind =
  | 'timeout' // the attempt deadline passed
  | 'network' // refused, reset, DNS: no HTTP answer
  | 'server' // 5xx, 408, 409
  | 'rate_limited' // 429 that will pass
  | 'quota' // 429 insufficient_quota: retrying cannot help until billing changes
  | 'client' // 400/401/403/404/422: our request or credentials are wrong
  | 'context_length' // the prompt exceeds the model's window
  | 'content_filter' // the provider refused the content
  | 'length' // the answer was cut by the token limit
  | 'invalid_response' // unparseable JSON, empty choices, a stream that ended without finish_reason
  | 'aborted' // the chat request itself was cancelled or ran out of time

const RETRYABLE = new Set<LlmErrorKind>(['timeout', 'network', 'server', 'rate_limited', 'invalid_response'])
/** Failures that say "this model/endpoint is unhealthy"; a caller's mistake never opens the breaker. */
const BREAKER = new Set<LlmErrorKind>(['timeout', 'network', 'server', 'rate_limited', 'invalid_response'])

export class LlmError extends Error {
  constructor(
    readonly kind: LlmErrorKind,
    message: string,
    /** `usage`: what the provider billed for a call that still failed (finish_reason length, content_filter). */
    readonly details: { status?: number; code?: string; retryAfterMs?: number; model?: string; usage?: Usage } = {},
  ) {
    super(message)
    this.name = 'LlmError'
  }

  get retryable(): boolean {
    return RETRYABLE.has(this.kind)
  }

  get countsTowardBreaker(): boolean {
    return BREAKER.has(this.kind)
  }

  get outcome(): LlmOutcome {
    if (this.kind === 'timeout') return 'timeout'
    if (this.kind === 'rate_limited' || this.kind === 'quota') return 'rate_limited'
    if (this.kind === 'invalid_response') return 'invalid_response'
    return 'error'
  }
}

/** Every model's breaker is open: answer at once, without calling the LLM. */
export class AllBreakersOpenError extends Error {
  constructor(readonly retryAfterSec: number) {
    super(`every model's circuit breaker is open; retry in ${retryAfterSec}s`)
    this.name = 'AllBreakersOpenError'
  }
}
