import type pg from 'pg'
import { redact, redactDeep } from '../../src/redact.js'
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

/** One row of the audit table, redacted, ready to insert. */
export interface AuditRow {
  requestId: string
  sessionId: string
  userId: string | null
  role: string
  tool: string
  /** JSON text of the (redacted) arguments. */
  arguments: string
  outcome: ToolOutcome
  durationMs: number
  error: string | null
}

/**
 * Audits one tool call: a log line at once, and a row for the audit table. Arguments are redacted
 * (secret-named keys masked, known secrets and key/token/password patterns scrubbed) before they
 * reach either. With `ctx.audit` set (a chat turn), the row is handed to it and stored with the
 * turn's commit, one round trip for the whole turn; otherwise it is inserted here. An audit
 * failure is logged and swallowed: losing an audit row must not turn a good answer into an error.
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
  const row: AuditRow = {
    requestId: ctx.requestId,
    sessionId: ctx.sessionId,
    userId: ctx.userId ?? null,
    role: ctx.role,
    tool: entry.tool.replaceAll('\0', '').slice(0, 128),
    // PostgreSQL text and jsonb refuse NUL: one in a model's arguments must not fail the turn's commit.
    arguments: jsonWithoutNul(args),
    outcome: entry.outcome,
    durationMs: entry.durationMs,
    error: error?.replaceAll('\0', '') ?? null,
  }
  if (ctx.audit) return ctx.audit(row)
  try {
    await insertAuditRows(ctx.pool, [row])
  } catch (err) {
    ctx.logger.error({ err: redact(String((err as Error).message ?? err)), tool: entry.tool, requestId: ctx.requestId }, 'tool audit write failed')
  }
}

/**
 * The audit insert as arrays for unnest, in AUDIT_COLUMNS order: `INSERT … SELECT * FROM
 * unnest(AUDIT_UNNEST)` stores any number of rows in one statement (and inside the turn's commit).
 */
export const AUDIT_COLUMNS = 'request_id, session_id, user_id, role, tool, arguments, outcome, duration_ms, error'

export function auditUnnest(first: number): string {
  const types = ['text', 'text', 'text', 'text', 'text', 'jsonb', 'text', 'int', 'text']
  return types.map((type, i) => `$${first + i}::${type}[]`).join(', ')
}

export function auditArrays(rows: AuditRow[]): unknown[] {
  return [
    rows.map((r) => r.requestId), rows.map((r) => r.sessionId), rows.map((r) => r.userId), rows.map((r) => r.role),
    rows.map((r) => r.tool), rows.map((r) => r.arguments), rows.map((r) => r.outcome), rows.map((r) => r.durationMs),
    rows.map((r) => r.error),
  ]
}

export async function insertAuditRows(pool: Pick<pg.Pool, 'query'>, rows: AuditRow[]): Promise<void> {
  if (rows.length === 0) return
  await pool.query(`INSERT INTO ${AUDIT_TABLE} (${AUDIT_COLUMNS}) SELECT * FROM unnest(${auditUnnest(1)})`, auditArrays(rows))
}

/** Deletes audit rows older than `retentionDays` (the table has an index on `at`); returns the count. */
export async function pruneToolAudit(pool: Pick<pg.Pool, 'query'>, retentionDays = 30): Promise<number> {
  const days = Math.max(1, Math.floor(retentionDays))
  const result = await pool.query(`DELETE FROM ${AUDIT_TABLE} WHERE at < now() - make_interval(days => $1::int)`, [days])
  return result.rowCount ?? 0
}

/** JSON for a jsonb column: PostgreSQL refuses NUL (\u0000), so it is dropped from every string. */
export function jsonWithoutNul(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'string' ? v.replaceAll('\0', '') : v))
}
