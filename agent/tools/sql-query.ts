import type pg from 'pg'
import { z } from 'zod'
import { ADMIN_SETTING, CATALOG_SCHEMA, toolSchemaStatus } from './sql-schema.js'
import { checkPlan, type PlanLimits, unreadable } from './sql-plan.js'
import { checkReadOnlyStatement, MAX_SQL_LENGTH, StatementRejected } from './sql-statement.js'
import { ToolError, type ToolSpec } from './types.js'

export interface ReadOnlyQueryOptions {
  rowCap: number
  statementTimeoutMs: number
  /** Role to SET LOCAL ROLE to; undefined runs as the pool user (fallback mode). */
  role?: string
  /** EXPLAIN-based limits for what the database cannot enforce here (see sql-plan.ts). */
  planLimits?: PlanLimits
  /** Where the catalog views live (messages point there); default tool_catalog. */
  catalogSchema?: string
  /** The caller is an admin: table_stats shows its rows (sql-schema.ts ADMIN_SETTING). */
  admin?: boolean
}

/** About a few million rows scanned: fine for the catalog views, refuses runaway scans and cross joins. */
export const UNTIMED_MAX_PLAN_COST = 50_000

export interface ReadOnlyQueryResult {
  columns: string[]
  rows: unknown[][]
  rowCount: number
  truncated: boolean
}

const MAX_CELL_CHARS = 2000
const warnedPools = new WeakSet<pg.Pool>()

/**
 * Runs ONE statement in the database's read-only sandbox: a dedicated pooled client,
 * BEGIN READ ONLY, SET LOCAL ROLE (when available), SET LOCAL statement_timeout and
 * idle_in_transaction_session_timeout, the extended protocol (which refuses a second statement),
 * a row cap (fetch cap+1 to report truncation), then always ROLLBACK.
 * It does not run the static statement checks: the tool does, and the tests exercise each layer.
 */
export async function runReadOnlyQuery(pool: pg.Pool, statement: string, opts: ReadOnlyQueryOptions, signal?: AbortSignal): Promise<ReadOnlyQueryResult> {
  const client = await pool.connect()
  let released = false
  let discard = false
  // On abort (tool timeout, abandoned request) the connection is closed at once; the server then
  // stops the statement within client_connection_check_interval instead of at statement_timeout.
  const abandon = () => {
    if (released) return
    released = true
    client.release(true)
  }
  signal?.addEventListener('abort', abandon, { once: true })
  try {
    const timeout = Math.max(1, Math.floor(opts.statementTimeoutMs))
    // Our own fixed text, sent in one round trip (simple protocol); the model's statement never is.
    await client.query(
      [
        'BEGIN READ ONLY',
        opts.role ? `SET LOCAL ROLE "${opts.role}"` : '',
        `SET LOCAL statement_timeout = ${timeout}`,
        `SET LOCAL ${ADMIN_SETTING} = '${opts.admin ? 'on' : 'off'}'`,
        `SET LOCAL idle_in_transaction_session_timeout = ${timeout * 2 + 1000}`,
        // PostgreSQL 14+ only (a missing_ok lookup, so older servers are not broken by it).
        `SELECT set_config('client_connection_check_interval', '250', true) WHERE current_setting('client_connection_check_interval', true) IS NOT NULL`,
      ].filter(Boolean).join(';\n'),
    )
    // The statement sits on its own lines so a comment inside it cannot swallow the wrapper, and
    // a data-modifying WITH is illegal inside a subquery: one more layer against write smuggling.
    const wrapped = `SELECT * FROM (\n${statement}\n) AS agentctl_tool_query LIMIT $1`
    if (opts.planLimits) await checkPlan(client, statement, opts.planLimits)
    const result = await client.query<unknown[]>({ text: wrapped, values: [opts.rowCap + 1], rowMode: 'array', queryMode: 'extended' } as pg.QueryConfig<unknown[]>)
    // A function in the statement could have switched role or read-only mode back: verify before returning anything.
    const after = await client.query<{ who: string; ro: string; admin: string }>(
      `SELECT current_user AS who, current_setting('transaction_read_only') AS ro, current_setting('${ADMIN_SETTING}', true) AS admin`,
    )
    if ((opts.role && after.rows[0]?.who !== opts.role) || after.rows[0]?.ro !== 'on' || after.rows[0]?.admin !== (opts.admin ? 'on' : 'off')) {
      discard = true
      throw new ToolError('the query changed its session role or read-only mode; its result was discarded')
    }
    const rows = result.rows.slice(0, opts.rowCap).map((row) => row.map(cell))
    return { columns: result.fields.map((f) => f.name), rows, rowCount: rows.length, truncated: result.rows.length > opts.rowCap }
  } catch (err) {
    throw err instanceof ToolError ? err : mapPgError(err, opts)
  } finally {
    signal?.removeEventListener('abort', abandon)
    if (!released) {
      if (!discard) await client.query('ROLLBACK').catch(() => { discard = true })
      released = true
      // A connection we could not roll back (or that a query tampered with) is destroyed, not reused.
      client.release(discard)
    }
  }
}

function cell(value: unknown): unknown {
  if (Buffer.isBuffer(value)) return `\\x${value.subarray(0, MAX_CELL_CHARS / 2).toString('hex')}${value.length > MAX_CELL_CHARS / 2 ? '…' : ''}`
  if (typeof value === 'string' && value.length > MAX_CELL_CHARS) return `${value.slice(0, MAX_CELL_CHARS)}…`
  return value
}

/** Postgres errors turned into advice the model can act on; unknown ones keep their SQLSTATE. */
export function mapPgError(err: unknown, opts: Pick<ReadOnlyQueryOptions, 'statementTimeoutMs' | 'catalogSchema'>): ToolError {
  const catalog = opts.catalogSchema ?? CATALOG_SCHEMA
  const e = err as { code?: string; message?: string }
  const message = e.message ?? String(err)
  switch (e.code) {
    case '25006':
      return new ToolError(`the query tried to write (${message}); this tool is read-only`)
    case '42501':
    case '42P01':
    case '42703':
      // One text for all three: PostgreSQL's own would say which columns exist in tables it then refuses.
      return unreadable(catalog)
    case '57014':
      return new ToolError(`the query was stopped after ${opts.statementTimeoutMs} ms (statement_timeout); make it cheaper (WHERE, LIMIT, fewer joins)`)
    case '42601':
      return new ToolError(`SQL syntax error: ${message}`)
    case '42883':
      return new ToolError(`${message} (see ${catalog}.available_columns for what exists)`)
    case '25P02':
    case '25001':
    case '0A000':
      return new ToolError(`not allowed here: ${message}`)
  }
  if (e.code && /^[0-9A-Z]{5}$/.test(e.code)) return new ToolError(`database error ${e.code}: ${message}`)
  return new ToolError(`the database is unavailable: ${message}`)
}

const schema = z.strictObject({
  query: z.string().min(1).max(MAX_SQL_LENGTH).describe(`One read-only SQL statement (SELECT/WITH/VALUES/TABLE), e.g. "SELECT * FROM ${CATALOG_SCHEMA}.model_pricing ORDER BY model"`),
})

export function createSqlQueryTool(opts: { rowCap: number; statementTimeoutMs: number }): ToolSpec<typeof schema> {
  return {
    name: 'sql_query',
    description:
      `Run ONE read-only PostgreSQL query and get {columns, rows}. Readable views: ${CATALOG_SCHEMA}.model_pricing (LLM prices per 1k tokens), ` +
      `${CATALOG_SCHEMA}.table_stats (row counts of the database tables; rows for admins only), ${CATALOG_SCHEMA}.available_columns (what each view holds). ` +
      `At most ${opts.rowCap} rows are returned; queries are stopped after ${opts.statementTimeoutMs} ms.`,
    schema,
    async run({ query }, ctx, signal) {
      const status = toolSchemaStatus(ctx.pool)
      const admin = ctx.role === 'admin'
      const untimed = status?.statementTimeoutEnforced === false
      let statement: string
      try {
        statement = checkReadOnlyStatement(query, { untimed, catalogOnly: !admin })
      } catch (err) {
        if (err instanceof StatementRejected) throw new ToolError(err.message)
        throw err
      }
      if (!status?.readonlyRole && !warnedPools.has(ctx.pool)) {
        warnedPools.add(ctx.pool)
        ctx.logger.warn(
          { reason: status?.fallbackReason ?? 'ensureToolSchema() has not run for this pool' },
          'sql_query runs without its SELECT-only role: READ ONLY transaction, statement_timeout and statement checks still apply',
        )
      }
      const role = status?.readonlyRole
      const planLimits: PlanLimits | undefined =
        role && !untimed
          ? undefined
          : {
              // Without the role, the plan check stands in for its grants.
              allowedSchemas: role ? undefined : [status?.catalogSchema ?? CATALOG_SCHEMA, 'pg_catalog', 'information_schema'],
              maxCost: untimed ? UNTIMED_MAX_PLAN_COST : undefined,
            }
      return runReadOnlyQuery(ctx.pool, statement, { ...opts, role, planLimits, admin, catalogSchema: status?.catalogSchema }, signal)
    },
  }
}
