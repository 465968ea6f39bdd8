import type { FaultContext, FaultResult } from '../context.js'
import type { ChatRequest, Outcome, ReplyPlan } from '../types.js'

/** The LLM APIs the mock serves (docs/CONTRACTS.md #2: `api` on every call record). */
export const LLM_APIS = ['chat', 'responses', 'messages'] as const
export type LlmApi = (typeof LLM_APIS)[number]

/** How a reply is delivered: faithfully, or broken in one of the ways real providers break. */
export type Delivery = 'normal' | 'truncated' | 'malformed' | 'empty-choices' | 'reset-mid-stream'

/**
 * An error in OpenAI's vocabulary (status, type, code). Faults describe errors this way once; each
 * format translates it into its own shape and statuses (Anthropic: 503 becomes 529 overloaded_error).
 */
export interface ApiErrorSpec {
  status: number
  type: string
  code: string | null
  param?: string | null
  message: string
  headers?: Record<string, string>
  /** Anthropic's wording where it differs from OpenAI's (a too-long prompt, a low credit balance). */
  anthropicMessage?: string
}

/**
 * One wire format: how its requests map onto the chat shape the script, tokenizer and faults read,
 * and how a reply plan or an error is written back in its own vocabulary.
 */
export interface WireFormat {
  readonly api: LlmApi
  /** The route it serves (always POST). */
  readonly path: string
  /** Validates the request and maps it onto a ChatRequest, or names the first invalid field. */
  normalize(body: unknown): ChatRequest | ApiErrorSpec
  reply(ctx: FaultContext, plan: ReplyPlan, outcome: Outcome, delivery: Delivery): FaultResult | Promise<FaultResult>
  error(spec: ApiErrorSpec): Response
}

export const isErrorSpec = (value: ChatRequest | ApiErrorSpec): value is ApiErrorSpec => typeof (value as ApiErrorSpec).status === 'number'
