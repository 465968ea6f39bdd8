import { z } from 'zod'
import { deadline } from '../deadline.js'
import { auditToolCall } from './audit.js'
import { calculatorTool } from './calculator.js'
import { conversationSearchTool } from './conversation-search.js'
import { currentTimeTool } from './current-time.js'
import { createHttpGetTool } from './http-get.js'
import { allowedTools, DEFAULT_PERMISSIONS, type Permissions } from './permissions.js'
import { createSqlQueryTool } from './sql-query.js'
import { ToolError, type OpenAIToolDefinition, type ToolCall, type ToolContext, type ToolOutcome, type ToolResult, type ToolSpec } from './types.js'

export interface ToolRegistryOptions {
  /** Hosts http_get may reach (exact, or `*.example.com`). Empty: http_get is off. */
  httpAllowlist: string[]
  /** Rows sql_query returns at most (default 100). */
  sqlRowCap?: number
  /** Server-side statement_timeout for sql_query (default 2000 ms). */
  sqlStatementTimeoutMs?: number
  /** Wall-clock bound of any one tool call. */
  toolTimeoutMs: number
  /** role -> tool names or '*'. Default DEFAULT_PERMISSIONS. */
  permissions?: Permissions
  /** Called once per call, after auditing: the place to count agent_tool_calls_total. */
  onToolCall?: ToolCallObserver
}

export type ToolCallObserver = (event: { tool: string; outcome: ToolOutcome; durationMs: number }) => void

export interface ToolRegistry {
  /** OpenAI `tools` for this role: only what it may call; http_get omitted while the allowlist is empty. */
  definitions(role: string): OpenAIToolDefinition[]
  execute(call: ToolCall, ctx: ToolContext): Promise<ToolResult>
  /** Every tool name the registry knows (whether or not enabled). */
  readonly names: string[]
}

/** Last-resort bound on one tool message; tools cap their own output well below it (http_get: 100 kB). */
const MAX_RESULT_CHARS = 128_000

export function createToolRegistry(opts: ToolRegistryOptions): ToolRegistry {
  const permissions = opts.permissions ?? DEFAULT_PERMISSIONS
  const httpEnabled = opts.httpAllowlist.length > 0
  const specs: ToolSpec[] = [
    calculatorTool,
    currentTimeTool,
    conversationSearchTool,
    createSqlQueryTool({ rowCap: opts.sqlRowCap ?? 100, statementTimeoutMs: opts.sqlStatementTimeoutMs ?? 2000 }),
    createHttpGetTool({ allowlist: opts.httpAllowlist }),
  ] as ToolSpec[]
  const byName = new Map(specs.map((s) => [s.name, s]))
  const enabled = specs.filter((s) => s.name !== 'http_get' || httpEnabled).map((s) => s.name)
  // JSON Schemas derived once from the zod schemas; `$schema` is noise to the model.
  const parameters = new Map(specs.map((s) => [s.name, toParameters(s.schema)]))

  // One frozen array per role: the same object every turn, so the LLM client serialises it once.
  const byRole = new Map<string, readonly OpenAIToolDefinition[]>()
  function definitions(role: string): OpenAIToolDefinition[] {
    let defs = byRole.get(role)
    if (!defs) {
      defs = Object.freeze(
        allowedTools(permissions, role, enabled).map((name): OpenAIToolDefinition => {
          const spec = byName.get(name)!
          return { type: 'function', function: { name, description: spec.description, parameters: parameters.get(name)! } }
        }),
      )
      byRole.set(role, defs)
    }
    return defs as OpenAIToolDefinition[]
  }

  async function execute(call: ToolCall, ctx: ToolContext): Promise<ToolResult> {
    const started = performance.now()
    const { result, args, error } = await run(call, ctx)
    const durationMs = Math.round(performance.now() - started)
    await auditToolCall(ctx, { tool: call.name, rawArguments: call.arguments, args, outcome: result.outcome, durationMs, error })
    try {
      opts.onToolCall?.({ tool: call.name, outcome: result.outcome, durationMs })
    } catch (err) {
      ctx.logger.warn({ err, tool: call.name }, 'tool call observer threw')
    }
    return result
  }

  async function run(call: ToolCall, ctx: ToolContext): Promise<{ result: ToolResult; args?: unknown; error?: string }> {
    const spec = byName.get(call.name)
    const mayUse = allowedTools(permissions, ctx.role, enabled)
    if (!spec) return fail('invalid_args', `Unknown tool "${call.name}". Available tools: ${mayUse.join(', ') || 'none'}.`)
    if (spec.name === 'http_get' && !httpEnabled) return fail('denied', 'http_get is disabled: no host allowlist is configured (HTTP_GET_ALLOWLIST).')
    if (!mayUse.includes(spec.name)) return fail('denied', `Permission denied: role "${ctx.role}" may not use ${spec.name}.`)

    let raw: unknown
    try {
      // Some providers send arguments already parsed, or omit them for a parameterless call.
      const text = typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments ?? {})
      raw = text.trim() === '' ? {} : JSON.parse(text)
    } catch (err) {
      return fail('invalid_args', `Invalid arguments for ${spec.name}: not valid JSON (${(err as Error).message}). Send a JSON object matching the tool's parameters schema.`)
    }
    const parsed = spec.schema.safeParse(raw)
    if (!parsed.success) {
      return { ...fail('invalid_args', `Invalid arguments for ${spec.name}: ${describeIssues(parsed.error)}.`), args: raw }
    }

    const limit = deadline(opts.toolTimeoutMs, ctx.signal)
    const signal = limit.signal
    try {
      const value = await raceAbort(spec.run(parsed.data, ctx, signal), signal)
      return { result: { outcome: 'success', content: truncate(JSON.stringify(value ?? null)) }, args: parsed.data }
    } catch (err) {
      if (limit.timedOut) return { ...fail('timeout', `${spec.name} timed out after ${opts.toolTimeoutMs} ms.`), args: parsed.data }
      if (ctx.signal.aborted) return { ...fail('error', `${spec.name} was cancelled: the request was abandoned.`), args: parsed.data }
      if (err instanceof ToolError) return { ...fail('error', `${spec.name} failed: ${err.message}`), args: parsed.data }
      // An unexpected bug: the model gets a generic text, the log keeps the detail.
      ctx.logger.error({ err, tool: spec.name, requestId: ctx.requestId }, 'tool threw unexpectedly')
      return { ...fail('error', `${spec.name} failed with an internal error.`), args: parsed.data }
    } finally {
      limit.dispose()
    }
  }

  return { definitions, execute, names: specs.map((s) => s.name) }
}

function fail(outcome: ToolOutcome, content: string): { result: ToolResult; error: string } {
  return { result: { outcome, content }, error: content }
}

function toParameters(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema) as Record<string, unknown>
  return rest
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(arguments)'}: ${issue.message}`)
    .join('; ')
}

/** Tools honour the signal themselves; this guarantees the caller is released on time even if one does not. */
function raceAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason)
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
  })
}

/** Keeps the content valid JSON even when cut: the model always receives parseable results. */
function truncate(text: string): string {
  if (text.length <= MAX_RESULT_CHARS) return text
  return JSON.stringify({ truncated: true, omittedChars: text.length - MAX_RESULT_CHARS, partialResult: text.slice(0, MAX_RESULT_CHARS) })
}
