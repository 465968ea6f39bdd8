/** The subset of OpenAI's chat-completions request the mock reads. */
export interface ChatMessage {
  role: 'system' | 'developer' | 'user' | 'assistant' | 'tool' | string
  content?: string | null | Array<{ type: string; text?: string }>
  tool_calls?: Array<{ id: string; type: 'function'; function: { name: string; arguments: string } }>
  tool_call_id?: string
  name?: string
}

export interface ToolDefinition {
  type: 'function'
  function: { name: string; description?: string; parameters?: JsonSchema }
}

export type JsonSchema = {
  type?: string | string[]
  properties?: Record<string, JsonSchema>
  required?: string[]
  enum?: unknown[]
  const?: unknown
  default?: unknown
  items?: JsonSchema
  anyOf?: JsonSchema[]
  oneOf?: JsonSchema[]
  minimum?: number
  maximum?: number
  minLength?: number
  maxLength?: number
  minItems?: number
  format?: string
  [key: string]: unknown
}

export interface ChatRequest {
  model: string
  messages: ChatMessage[]
  stream?: boolean
  stream_options?: { include_usage?: boolean } | null
  tools?: ToolDefinition[]
  tool_choice?: 'none' | 'auto' | 'required' | { type: 'function'; function: { name: string } }
  max_tokens?: number | null
  max_completion_tokens?: number | null
  [key: string]: unknown
}

/** What the assistant "decides" to say before a fault shapes how it is delivered. */
export interface ReplyPlan {
  content: string | null
  toolCalls: Array<{ id: string; name: string; arguments: string }>
  finishReason: 'stop' | 'length' | 'tool_calls' | 'content_filter'
}

export const OUTCOMES = [
  'ok', 'error', 'rate-limited', 'quota', 'bad-request', 'context-length', 'content-filter', 'hang',
  'reset', 'malformed', 'truncated', 'empty-choices', 'bad-tool-args', 'tool-loop', 'length', 'unserved',
] as const
export type Outcome = (typeof OUTCOMES)[number]

/** A script fixture: when the last user message matches, answer with the reply at the current turn. */
export interface ScriptFixture {
  /** A regular expression (string form is case-insensitive) tested against the last user message. */
  match: string | RegExp
  /** Only for this model (any model when absent). */
  model?: string
  replies: ScriptReply[]
}

export interface ScriptReply {
  content?: string
  tool_calls?: Array<{ name: string; arguments: Record<string, unknown> | string }>
  finish_reason?: ReplyPlan['finishReason']
}

export interface MockLlmOptions {
  /** 0 = a random free port (server mode). */
  port?: number
  host?: string
  scenario?: string
  /** Initial scenario params (model, probability, count and the fault's own). */
  scenarioParams?: Record<string, unknown>
  seed?: number
  /** A base latency for every completion: '800ms..2s', '300ms' or [lowMs, highMs]. */
  latency?: string | [number, number]
  models?: string[]
  scripts?: ScriptFixture[]
  /**
   * Server mode: 'direct' (default) sends POST /v1/chat/completions straight to the handler's
   * resolver, skipping msw's per-request overhead; 'msw' routes every request through getResponse.
   */
  hotPath?: 'direct' | 'msw'
}

export const DEFAULT_MODELS = ['gpt-4o-mini', 'gpt-4.1-mini', 'gpt-4.1-nano', 'gpt-4o']
