import { randomBytes } from 'node:crypto'
import pg from 'pg'
import pino from 'pino'
import { TEST_DATABASE_URL } from '../support/services.js'
import { ensureToolSchema, type ToolContext, type ToolSchemaStatus } from '../../agent/tools/index.js'

/**
 * An isolated corner of the shared test database: a unique schema on the pool's search_path
 * (the audit table lands there), a unique catalog schema and a unique read-only role.
 */
export interface PgFixture {
  pool: pg.Pool
  admin: pg.Pool
  schema: string
  status: ToolSchemaStatus
  close(): Promise<void>
}

export async function createPgFixture(label: string): Promise<PgFixture> {
  const id = `${label}_${randomBytes(4).toString('hex')}`
  const schema = `t_${id}`
  const admin = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 2, connectionTimeoutMillis: 5000 })
  await admin.query(`CREATE SCHEMA "${schema}"`)
  const pool = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 4, connectionTimeoutMillis: 5000, options: `-c search_path=${schema}` })
  const status = await ensureToolSchema(pool, { catalogSchema: `${schema}_catalog`, readonlyRole: `ro_${id}` })
  return {
    pool,
    admin,
    schema,
    status,
    async close() {
      await pool.end()
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}_catalog" CASCADE`)
      await admin.query(`DROP OWNED BY "ro_${id}"`).catch(() => undefined)
      await admin.query(`DROP ROLE IF EXISTS "ro_${id}"`)
      await admin.end()
    },
  }
}

/** A pino logger that records its lines, so tests can assert on the audit log line. */
export function memoryLogger(): { logger: pino.Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = []
  const logger = pino({ level: 'trace' }, { write: (line: string) => void lines.push(JSON.parse(line)) })
  return { logger, lines }
}

export function toolContext(pool: pg.Pool, overrides: Partial<ToolContext> = {}): ToolContext {
  return {
    pool,
    sessionId: 'sess-1',
    userId: 'user-1',
    role: 'admin',
    requestId: `req-${randomBytes(3).toString('hex')}`,
    signal: new AbortController().signal,
    logger: memoryLogger().logger,
    searchConversation: async () => [],
    ...overrides,
  }
}
