import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createToolRegistry, ensureToolSchema, type ToolSchemaStatus } from '../../agent/tools/index.js'
import { TEST_DATABASE_URL } from '../support/services.js'
import { memoryLogger, toolContext } from './pg-fixture.js'

// A login role WITHOUT CREATEROLE, as on many managed databases: sql_query must fall back to
// READ ONLY + statement_timeout + statement checks + the plan's relation allowlist.
const id = randomBytes(4).toString('hex')
const user = `t_fb_user_${id}`
const schema = `t_fb_${id}`
const admin = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 1 })
let pool: pg.Pool
let status: ToolSchemaStatus
const warnings: string[] = []

beforeAll(async () => {
  await admin.query(`CREATE ROLE "${user}" LOGIN NOCREATEROLE NOSUPERUSER`)
  await admin.query(`GRANT "${user}" TO CURRENT_USER`)
  await admin.query(`CREATE SCHEMA "${schema}" AUTHORIZATION "${user}"`)
  // A least-privilege user cannot create schemas: the DBA creates the catalog schema for it.
  await admin.query(`CREATE SCHEMA "${schema}_catalog" AUTHORIZATION "${user}"`)
  const url = new URL(TEST_DATABASE_URL)
  url.username = user
  pool = new pg.Pool({ connectionString: url.toString(), max: 2, options: `-c search_path=${schema}` })
  // The agent's own data, which the login role can read and the model must not.
  await pool.query(`CREATE TABLE conversation_turns (session_id text, content text)`)
  await pool.query(`INSERT INTO conversation_turns VALUES ('someone-else', 'my card number is 4111')`)
  status = await ensureToolSchema(pool, { catalogSchema: `${schema}_catalog`, warn: (m) => warnings.push(m) })
})
afterAll(async () => {
  await pool?.end()
  await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
  await admin.query(`DROP SCHEMA IF EXISTS "${schema}_catalog" CASCADE`)
  await admin.query(`DROP OWNED BY "${user}"`).catch(() => undefined)
  await admin.query(`DROP ROLE IF EXISTS "${user}"`)
  await admin.end()
})

describe('sql_query without CREATEROLE (fallback mode)', () => {
  const registry = createToolRegistry({ httpAllowlist: [], toolTimeoutMs: 5000, sqlStatementTimeoutMs: 300 })
  const run = (query: string) => registry.execute({ name: 'sql_query', arguments: JSON.stringify({ query }) }, toolContext(pool, { logger: memoryLogger().logger }))

  it('warns once and carries on without the role', () => {
    expect(status.readonlyRole).toBeUndefined()
    expect(status.fallbackReason).toMatch(/neither CREATEROLE nor superuser/)
    expect(warnings.join('\n')).toMatch(/without a SELECT-only role/)
  })

  it('reads the catalog views', async () => {
    const result = await run(`SELECT count(*) AS n FROM ${schema}_catalog.model_pricing`)
    expect(result.outcome).toBe('success')
    expect(JSON.parse(result.content).rows[0][0]).toMatch(/^\d+$/)
  })

  it('refuses the agent tables the login role could read: conversations and the audit log', async () => {
    expect(await run('SELECT * FROM conversation_turns')).toMatchObject({ outcome: 'error', content: expect.stringContaining('does not exist or that this tool may not read') })
    expect(await run('SELECT count(*) FROM agent_tool_audit')).toMatchObject({ outcome: 'error', content: expect.stringContaining('may not read') })
    expect(await run(`SELECT * FROM ${schema}_catalog.model_pricing WHERE EXISTS (SELECT 1 FROM conversation_turns)`)).toMatchObject({ outcome: 'error' })
  })

  it('still stops writes, smuggling and slow statements', async () => {
    expect(await run(`WITH d AS (DELETE FROM conversation_turns RETURNING *) SELECT count(*) FROM d`)).toMatchObject({ outcome: 'error' })
    expect(await run('SELECT 1; DROP TABLE conversation_turns')).toMatchObject({ outcome: 'error' })
    const started = Date.now()
    expect(await run('SELECT pg_sleep(600)')).toMatchObject({ outcome: 'error', content: expect.stringContaining('stopped after 300 ms') })
    expect(Date.now() - started).toBeLessThan(3000)
    expect((await pool.query('SELECT count(*)::int AS n FROM conversation_turns')).rows[0].n).toBe(1)
  })
})
