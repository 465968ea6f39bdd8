import { PGlite } from '@electric-sql/pglite'
import { PGLiteSocketServer } from '@electric-sql/pglite-socket'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createToolRegistry, ensureToolSchema, type ToolSchemaStatus } from '../../agent/tools/index.js'
import { memoryLogger, toolContext } from './pg-fixture.js'

// The agent's embedded default: PGlite served over the wire protocol by pglite-socket.
let db: PGlite
let server: PGLiteSocketServer
let pool: pg.Pool
let status: ToolSchemaStatus
const warnings: string[] = []

beforeAll(async () => {
  db = await PGlite.create()
  server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 4 })
  await server.start()
  pool = new pg.Pool({ connectionString: `postgres://postgres@${server.getServerConn()}/postgres`, max: 2 })
  status = await ensureToolSchema(pool, { warn: (m) => warnings.push(m) })
})
afterAll(async () => {
  await pool?.end()
  await server?.stop()
  await db?.close()
})

describe('sql_query on PGlite through pglite-socket', () => {
  const registry = createToolRegistry({ httpAllowlist: [], toolTimeoutMs: 5000, sqlStatementTimeoutMs: 300 })
  const run = (query: string) => registry.execute({ name: 'sql_query', arguments: JSON.stringify({ query }) }, toolContext(pool, { logger: memoryLogger().logger }))

  it('sets up the schema, with the role or a logged fallback', () => {
    expect(status.views).toContain('tool_catalog.model_pricing')
    if (!status.readonlyRole) expect(warnings.join()).toMatch(/without a SELECT-only role/)
  })

  it('reads the catalog and audits the call', async () => {
    const result = await run('SELECT model FROM tool_catalog.model_pricing ORDER BY model LIMIT 2')
    expect(result.outcome).toBe('success')
    expect(JSON.parse(result.content).rows).toHaveLength(2)
    const audit = await pool.query(`SELECT tool, outcome FROM agent_tool_audit ORDER BY id DESC LIMIT 1`)
    expect(audit.rows[0]).toEqual({ tool: 'sql_query', outcome: 'success' })
  })

  it('still refuses writes and multiple statements', async () => {
    expect(await run('SELECT 1; DROP TABLE agent_tool_audit')).toMatchObject({ outcome: 'error', content: expect.stringContaining('single statement') })
    expect(await run('INSERT INTO agent_tool_audit DEFAULT VALUES')).toMatchObject({ outcome: 'error' })
    expect((await pool.query(`SELECT to_regclass('agent_tool_audit') AS t`)).rows[0].t).toBe('agent_tool_audit')
  })

  it('refuses what it cannot time out: sleeps, recursive CTEs, runaway scans (PGlite ignores statement_timeout)', async () => {
    expect(status.statementTimeoutEnforced).toBe(false)
    const started = Date.now()
    expect(await run('SELECT pg_sleep(5)')).toMatchObject({ outcome: 'error', content: expect.stringContaining('cannot time queries out') })
    expect(await run('WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r')).toMatchObject({ outcome: 'error' })
    expect(await run('SELECT count(*) FROM generate_series(1, 30000000)')).toMatchObject({ outcome: 'error', content: expect.stringContaining('too expensive') })
    expect(Date.now() - started).toBeLessThan(2000)
    // Set-returning functions materialise in full whatever the LIMIT: the cost is judged without it.
    expect(await run('SELECT g FROM generate_series(1, 30000000) g LIMIT 5')).toMatchObject({ outcome: 'error', content: expect.stringContaining('too expensive') })
    expect(Date.now() - started).toBeLessThan(2000)
    expect(JSON.parse((await run('SELECT g FROM generate_series(1, 1000) g')).content)).toMatchObject({ rowCount: 100, truncated: true })
  })
})
