import type pg from 'pg'
import { shippedPricing } from '../../src/pricing.js'

export const AUDIT_TABLE = 'agent_tool_audit'
export const CATALOG_SCHEMA = 'tool_catalog'
export const READONLY_ROLE = 'agentctl_tool_readonly'
/**
 * Set (transaction-local) by sql_query to 'on' for the admin role only: table_stats shows its rows
 * to admins alone, since row counts of the agent's tables span every user's conversations.
 */
export const ADMIN_SETTING = 'agentctl.tool_admin'

export interface ToolSchemaOptions {
  /** Schema holding the views sql_query may read (default tool_catalog). */
  catalogSchema?: string
  /** NOLOGIN role sql_query switches to (default agentctl_tool_readonly). Roles are cluster-wide. */
  readonlyRole?: string
  /** Called once with a warning when the role cannot be used (logger.warn from the caller). */
  warn?: (message: string) => void
}

export interface ToolSchemaStatus {
  catalogSchema: string
  /** The role sql_query runs as, or undefined when it runs as the pool user (fallback mode). */
  readonlyRole?: string
  /** Why the role is not used, in fallback mode. */
  fallbackReason?: string
  /** False on PGlite (WASM, single-threaded): statement_timeout is not enforced there. */
  statementTimeoutEnforced: boolean
  views: string[]
}

const statusByPool = new WeakMap<pg.Pool, ToolSchemaStatus>()

/** What ensureToolSchema found for this pool; undefined if it has not run for it. */
export function toolSchemaStatus(pool: pg.Pool): ToolSchemaStatus | undefined {
  return statusByPool.get(pool)
}

const ident = (name: string) => {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`unsafe SQL identifier: ${name}`)
  return `"${name}"`
}
const literal = (value: string) => `'${value.replace(/'/g, "''")}'`

function catalogViews(schema: string): Array<{ name: string; sql: string }> {
  const pricing = Object.entries(shippedPricing())
    .map(([model, p]) => `(${literal(model)}, ${Number(p.inputPer1k)}::numeric, ${Number(p.outputPer1k)}::numeric)`)
    .join(', ')
  const s = ident(schema)
  return [
    {
      name: 'model_pricing',
      sql: `SELECT * FROM (VALUES ${pricing}) AS p(model, input_usd_per_1k_tokens, output_usd_per_1k_tokens)`,
    },
    {
      // Row counts and maintenance of user tables: numbers only, never the rows themselves, and
      // for admins only (other roles read no rows): the counts span every user's conversations.
      name: 'table_stats',
      sql: `SELECT schemaname::text AS schema_name, relname::text AS table_name, n_live_tup AS live_rows, n_dead_tup AS dead_rows,
              seq_scan, idx_scan, last_autovacuum, last_autoanalyze FROM pg_catalog.pg_stat_user_tables
             WHERE current_setting(${literal(ADMIN_SETTING)}, true) = 'on'`,
    },
    {
      // Lets the model discover what it can query without access to the whole information_schema.
      name: 'available_columns',
      sql: `SELECT c.table_name::text AS view_name, c.column_name::text AS column_name, c.data_type::text AS data_type
              FROM information_schema.columns c WHERE c.table_schema = ${literal(schema)} ORDER BY c.table_name, c.ordinal_position`,
    },
  ].map((v) => ({ name: v.name, sql: `CREATE OR REPLACE VIEW ${s}.${ident(v.name)} AS ${v.sql}` }))
}

/**
 * Creates the audit table and the catalog views, then (where the login role has CREATEROLE or is
 * superuser) a NOLOGIN role that may read only those views, with membership for the pool user so
 * sql_query can `SET LOCAL ROLE` to it. Otherwise sql_query falls back to READ ONLY transaction +
 * statement_timeout + statement checks, and one warning says so. Idempotent; replicas starting
 * together serialise on an advisory lock.
 */
export async function ensureToolSchema(pool: pg.Pool, opts: ToolSchemaOptions = {}): Promise<ToolSchemaStatus> {
  const catalogSchema = opts.catalogSchema ?? CATALOG_SCHEMA
  const role = opts.readonlyRole ?? READONLY_ROLE
  const views = catalogViews(catalogSchema)
  const client = await pool.connect()
  let status: ToolSchemaStatus
  try {
    await client.query('BEGIN')
    await client.query(`SELECT pg_advisory_xact_lock(hashtext('agentctl.ensureToolSchema'))`)
    await client.query(`CREATE TABLE IF NOT EXISTS ${AUDIT_TABLE} (
      id bigserial PRIMARY KEY,
      at timestamptz NOT NULL DEFAULT now(),
      request_id text NOT NULL,
      session_id text NOT NULL,
      user_id text,
      role text NOT NULL,
      tool text NOT NULL,
      arguments jsonb NOT NULL DEFAULT '{}'::jsonb,
      outcome text NOT NULL,
      duration_ms integer NOT NULL,
      error text)`)
    await client.query(`CREATE INDEX IF NOT EXISTS ${AUDIT_TABLE}_at_idx ON ${AUDIT_TABLE} (at)`)
    await client.query(`CREATE INDEX IF NOT EXISTS ${AUDIT_TABLE}_session_idx ON ${AUDIT_TABLE} (session_id, at)`)
    // Checked first: CREATE SCHEMA IF NOT EXISTS still needs CREATE on the database, which a
    // least-privilege user lacks even when a DBA has created the schema for it.
    const hasSchema = await client.query('SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1', [catalogSchema])
    if (hasSchema.rowCount === 0) await client.query(`CREATE SCHEMA ${ident(catalogSchema)}`)
    for (const view of views) await client.query(view.sql)
    await client.query('COMMIT')
    const version = String((await client.query<{ v: string }>('SELECT version() AS v')).rows[0]?.v)
    status = {
      catalogSchema,
      views: views.map((v) => `${catalogSchema}.${v.name}`),
      statementTimeoutEnforced: !/pglite|emscripten|wasm32/i.test(version),
      ...(await setUpRole(client, role, catalogSchema, views.map((v) => v.name))),
    }
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined)
    throw err
  } finally {
    client.release()
  }
  if (!status.statementTimeoutEnforced) opts.warn?.('sql_query: this database (PGlite) does not enforce statement_timeout; queries are limited by a planner-cost ceiling and stricter statement checks instead. Use PostgreSQL (DATABASE_URL) in production')
  if (status.fallbackReason) opts.warn?.(`sql_query runs without a SELECT-only role (${status.fallbackReason}); it still uses READ ONLY transactions, statement_timeout and statement checks`)
  statusByPool.set(pool, status)
  return status
}

async function setUpRole(client: pg.PoolClient, role: string, schema: string, views: string[]): Promise<Pick<ToolSchemaStatus, 'readonlyRole' | 'fallbackReason'>> {
  const me = await client.query<{ rolsuper: boolean; rolcreaterole: boolean }>('SELECT rolsuper, rolcreaterole FROM pg_catalog.pg_roles WHERE rolname = current_user')
  const can = me.rows[0]
  if (!can || !(can.rolsuper || can.rolcreaterole)) return { fallbackReason: 'the database user has neither CREATEROLE nor superuser' }
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await client.query('BEGIN')
        // The same lock as the views: a GRANT on a view while another replica's CREATE OR REPLACE
        // VIEW rewrites it fails that replica's start with "tuple concurrently updated" (seen with
        // two test suites starting agents on one database).
        await client.query(`SELECT pg_advisory_xact_lock(hashtext('agentctl.ensureToolSchema'))`)
        const exists = await client.query('SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = $1', [role])
        if (exists.rowCount === 0) await client.query(`CREATE ROLE ${ident(role)} NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT`)
        await client.query(`GRANT ${ident(role)} TO CURRENT_USER`)
        await client.query(`GRANT USAGE ON SCHEMA ${ident(schema)} TO ${ident(role)}`)
        for (const view of views) await client.query(`GRANT SELECT ON ${ident(schema)}.${ident(view)} TO ${ident(role)}`)
        await client.query('COMMIT')
        break
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined)
        // Roles are cluster-wide: another database's agent may create it between our check and CREATE.
        const code = (err as { code?: string }).code
        if (attempt === 0 && (code === '42710' || code === '23505' || code === 'XX000')) continue
        throw err
      }
    }
    // Prove the switch works here (PGlite and poolers may refuse SET ROLE).
    await client.query('BEGIN READ ONLY')
    await client.query(`SET LOCAL ROLE ${ident(role)}`)
    await client.query(`SELECT 1 FROM ${ident(schema)}.${ident(views[0]!)} LIMIT 1`)
    await client.query('ROLLBACK')
    return { readonlyRole: role }
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined)
    return { fallbackReason: `could not set up role ${role}: ${(err as Error).message}` }
  }
}
