import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runReadOnlyQuery } from '../../agent/tools/sql-query.js'
import { checkReadOnlyStatement } from '../../agent/tools/sql-statement.js'
import { createToolRegistry } from '../../agent/tools/index.js'
import { ToolError } from '../../agent/tools/types.js'
import { createPgFixture, toolContext, type PgFixture } from './pg-fixture.js'

let fx: PgFixture
beforeAll(async () => {
  fx = await createPgFixture('sql')
  // A table the read-only role was never granted, and a canary the write attempts target.
  await fx.admin.query(`CREATE TABLE "${fx.schema}".canary (id int)`)
  await fx.admin.query(`INSERT INTO "${fx.schema}".canary VALUES (1), (2)`)
})
afterAll(async () => fx?.close())

const canaryCount = async () => Number((await fx.admin.query(`SELECT count(*) FROM "${fx.schema}".canary`)).rows[0].count)
const opts = (extra: Partial<{ role: string; statementTimeoutMs: number; rowCap: number }> = {}) => ({
  rowCap: 100,
  catalogSchema: fx.status.catalogSchema,
  statementTimeoutMs: 300,
  role: fx.status.readonlyRole,
  ...extra,
})
/** The database layer alone, without the static statement checks. */
const dbOnly = (sql: string, extra = {}) => runReadOnlyQuery(fx.pool, sql, opts(extra))

describe('sql_query on real PostgreSQL', () => {
  it('sets up the SELECT-only role (the test role has CREATEROLE)', () => {
    expect(fx.status.readonlyRole).toMatch(/^ro_sql_/)
    expect(fx.status.fallbackReason).toBeUndefined()
  })

  it('reads the catalog views and caps rows', async () => {
    const all = await dbOnly(`SELECT model FROM ${fx.status.catalogSchema}.model_pricing ORDER BY model`)
    expect(all.rows.flat()).toContain('gpt-4o-mini')
    const capped = await dbOnly(`SELECT g FROM generate_series(1, 500) g`, { rowCap: 10 })
    expect(capped).toMatchObject({ rowCount: 10, truncated: true, columns: ['g'] })
  })

  const smuggled: Array<[string, string]> = [
    ['data-modifying CTE', `WITH d AS (DELETE FROM "SCHEMA".canary RETURNING *) SELECT count(*) FROM d`],
    ['two statements', `SELECT 1; DROP TABLE "SCHEMA".canary`],
    ['SET read-write', `SET default_transaction_read_only = off`],
    ['set_config read-write', `SELECT set_config('transaction_read_only', 'off', false)`],
    ['COPY TO PROGRAM', `COPY (SELECT 1) TO PROGRAM 'touch /tmp/agentctl-pwned'`],
    ['CREATE TABLE', `CREATE TABLE "SCHEMA".evil (id int)`],
    ['INSERT', `INSERT INTO "SCHEMA".canary VALUES (3)`],
  ]

  it.each(smuggled)('the statement check rejects %s', (_name, sql) => {
    expect(() => checkReadOnlyStatement(sql.replaceAll('SCHEMA', fx.schema))).toThrow()
  })

  it.each(smuggled)('the database layer alone also stops %s', async (_name, sql) => {
    await expect(dbOnly(sql.replaceAll('SCHEMA', fx.schema))).rejects.toBeInstanceOf(ToolError)
    expect(await canaryCount()).toBe(2)
  })

  it('even as the login role (fallback mode) the READ ONLY transaction stops writes', async () => {
    await expect(dbOnly(`SELECT nextval('"${fx.schema}".agent_tool_audit_id_seq')`, { role: undefined })).rejects.toThrow(/read-only/)
    await expect(dbOnly(`SELECT 1 FROM "${fx.schema}".canary FOR UPDATE`, { role: undefined })).rejects.toThrow(/read-only/)
  })

  it('stops pg_sleep(600) at the statement_timeout', async () => {
    const started = Date.now()
    await expect(dbOnly('SELECT pg_sleep(600)')).rejects.toThrow(/stopped after 300 ms/)
    expect(Date.now() - started).toBeLessThan(3000)
  })

  it('denies tables the read-only role may not read: the audit table, pg_authid, other tables', async () => {
    await expect(dbOnly(`SELECT * FROM "${fx.schema}".agent_tool_audit`)).rejects.toThrow(/may not read/)
    await expect(dbOnly('SELECT rolpassword FROM pg_authid')).rejects.toThrow(/may not read/)
    await expect(dbOnly(`SELECT * FROM "${fx.schema}".canary`)).rejects.toThrow(/may not read/)
  })

  it('errors do not tell a private column that exists from one that does not (issue 21)', async () => {
    for (const role of [fx.status.readonlyRole, undefined]) {
      const planLimits = role ? undefined : { allowedSchemas: [fx.status.catalogSchema, 'pg_catalog', 'information_schema'] }
      const messages: string[] = []
      for (const sql of [
        `SELECT arguments FROM "${fx.schema}".agent_tool_audit`,
        `SELECT no_such_column FROM "${fx.schema}".agent_tool_audit`,
        `SELECT 1 FROM "${fx.schema}".no_such_table`,
      ]) {
        messages.push(await dbOnly(sql, { role, planLimits }).then(() => 'read', (err: Error) => err.message))
      }
      expect(new Set(messages).size, `role ${role ?? '(fallback)'}: ${messages.join(' | ')}`).toBe(1)
      expect(messages[0]).toMatch(/does not exist or that this tool may not read/)
    }
  })

  it('discards the result when a query switches back to the login role (the check the database cannot do)', async () => {
    await expect(dbOnly(`SELECT set_config('role', session_user, true)`)).rejects.toThrow(/result was discarded/)
  })

  it('table_stats shows rows to admins only; other roles may not name the pg_* catalogs (issue 21)', async () => {
    const registry = createToolRegistry({ httpAllowlist: [], toolTimeoutMs: 5000, sqlStatementTimeoutMs: 1000 })
    const sql = (role: string, query: string) => registry.execute({ name: 'sql_query', arguments: JSON.stringify({ query }) }, toolContext(fx.pool, { role }))
    const stats = `SELECT table_name, live_rows FROM ${fx.status.catalogSchema}.table_stats`
    const asAdmin = await sql('admin', stats)
    expect(asAdmin.outcome).toBe('success')
    expect(JSON.parse(asAdmin.content).rowCount).toBeGreaterThan(0)
    const asUser = await sql('user', stats)
    expect(asUser.outcome).toBe('success')
    expect(JSON.parse(asUser.content)).toMatchObject({ rowCount: 0, rows: [] })
    // PostgreSQL's own catalogs are readable by every database role: the statement check keeps users out.
    for (const query of ['SELECT relname, reltuples FROM pg_class', 'SELECT n_live_tup FROM pg_catalog.pg_stat_user_tables', `SELECT pg_stat_get_live_tuples('${fx.schema}.canary'::regclass)`, 'SELECT attname FROM "pg_attribute"']) {
      expect(await sql('user', query), query).toMatchObject({ outcome: 'error', content: expect.stringContaining('is not allowed for this role') })
    }
    expect((await sql('admin', 'SELECT count(*) FROM pg_class')).outcome).toBe('success')
  })

  it('through the tool: a clear error for the model, success for a catalog read', async () => {
    const registry = createToolRegistry({ httpAllowlist: [], toolTimeoutMs: 5000, sqlStatementTimeoutMs: 300 })
    const ctx = toolContext(fx.pool, { role: 'user' })
    const bad = await registry.execute({ name: 'sql_query', arguments: JSON.stringify({ query: 'SELECT 1; DROP TABLE x' }) }, ctx)
    expect(bad).toMatchObject({ outcome: 'error' })
    expect(bad.content).toMatch(/single statement/)
    const ok = await registry.execute({ name: 'sql_query', arguments: JSON.stringify({ query: `SELECT count(*) AS n FROM ${fx.status.catalogSchema}.model_pricing;` }) }, ctx)
    expect(ok.outcome).toBe('success')
    expect(JSON.parse(ok.content)).toMatchObject({ columns: ['n'], truncated: false })
  })
})
