import type pg from 'pg'
import { redact, redactDeep } from '../../redact.js'
import type { ToolContext, ToolOutcome } from './types.js'
import { AUDIT_TABLE } from './sql-schema.js'

export interface AuditEntry {
  tool: string
  rawArguments: string
  /** The parsed arguments when they parsed; otherwise the raw text is stored (truncated). */
  args?: unknown
  outcome: ToolOutcome
  durationMs: number
  error?: string
}

const MAX_STORED_CHARS = 4000

/**
 * Writes one audit row and one log line. Arguments are redacted (secret-named keys masked, known
 * secrets and key/token/password patterns scrubbed) before they reach either. An audit failure is
 * logged and swallowed: losing an audit row must not turn a good answer into an error.
 */
export async function auditToolCall(ctx: ToolContext, entry: AuditEntry): Promise<void> {
  const rawText = typeof entry.rawArguments === 'string' ? entry.rawArguments : String(JSON.stringify(entry.rawArguments ?? null))
  const args = entry.args !== undefined ? redactDeep(entry.args) : { _unparsed: redact(rawText.slice(0, MAX_STORED_CHARS)) }
  const error = entry.error ? redact(entry.error).slice(0, MAX_STORED_CHARS) : null
  const line = {
    event: 'tool_call',
    requestId: ctx.requestId,
    sessionId: ctx.sessionId,
    userId: ctx.userId,
    role: ctx.role,
    tool: entry.tool,
    arguments: args,
    outcome: entry.outcome,
    durationMs: entry.durationMs,
    error: error ?? undefined,
  }
  if (entry.outcome === 'success') ctx.logger.info(line, 'tool call')
  else ctx.logger.warn(line, 'tool call')
  try {
    await ctx.pool.query(
      `INSERT INTO ${AUDIT_TABLE} (request_id, session_id, user_id, role, tool, arguments, outcome, duration_ms, error)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9)`,
      [ctx.requestId, ctx.sessionId, ctx.userId ?? null, ctx.role, entry.tool.slice(0, 128), JSON.stringify(args), entry.outcome, entry.durationMs, error],
    )
  } catch (err) {
    ctx.logger.error({ err: redact(String((err as Error).message ?? err)), tool: entry.tool, requestId: ctx.requestId }, 'tool audit write failed')
  }
}

/** Deletes audit rows older than `retentionDays` (the table has an index on `at`); returns the count. */
export async function pruneToolAudit(pool: Pick<pg.Pool, 'query'>, retentionDays = 30): Promise<number> {
  const days = Math.max(1, Math.floor(retentionDays))
  const result = await pool.query(`DELETE FROM ${AUDIT_TABLE} WHERE at < now() - make_interval(days => $1::int)`, [days])
  return result.rowCount ?? 0
}
