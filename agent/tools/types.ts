import type pg from 'pg'
import type { Logger } from 'pino'
import type { z } from 'zod'
import type { AuditRow } from './audit.js'

/** What the registry reports for each call; also the `outcome` label of agent_tool_calls_total. */
export type ToolOutcome = 'success' | 'error' | 'timeout' | 'denied' | 'invalid_args'

export interface ToolResult {
  outcome: ToolOutcome
  /** The `tool` message content sent back to the model: JSON text for results, a clear error text otherwise. */
  content: string
}

/** A tool call as the model emitted it: `arguments` is the raw JSON string. */
export interface ToolCall {
  name: string
  arguments: string
}

export interface OpenAIToolDefinition {
  type: 'function'
  function: { name: string; description: string; parameters: Record<string, unknown> }
}

export interface ConversationHit {
  role: string
  content: string
  createdAt: string
}

/** Per-call context the orchestrator supplies. */
export interface ToolContext {
  pool: pg.Pool
  sessionId: string
  userId?: string
  role: string
  requestId: string
  /** Aborts when the chat request is abandoned; the registry combines it with the tool timeout. */
  signal: AbortSignal
  logger: Logger
  /** PostgreSQL full-text search over this session's stored turns (implemented by memory). */
  searchConversation(query: string, limit: number): Promise<ConversationHit[]>
  /**
   * Collects audit rows to store with the chat turn's commit. Without it (a tool run outside a
   * chat turn), each call's row is inserted on its own.
   */
  audit?: (row: AuditRow) => void
}

/** A tool's own error: its message goes to the model as is (so it must be clear and secret-free). */
export class ToolError extends Error {
  override name = 'ToolError'
}

/** One tool: a zod schema (the single source of validation and of the JSON Schema) and a run function. */
export interface ToolSpec<S extends z.ZodType = z.ZodType> {
  name: string
  description: string
  schema: S
  /** Returns a JSON-serialisable result; throws ToolError for an error the model should read. */
  run(args: z.output<S>, ctx: ToolContext, signal: AbortSignal): Promise<unknown>
}
