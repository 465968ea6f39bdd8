/**
 * How the conversation store tells load from an outage, on the real PostgreSQL: a full pool is
 * "busy, retry shortly" and never opens the breaker; a statement the server cancelled at its
 * deadline is "not stored" (503), as the turn really was not stored. And the pool it starts with:
 * DB_POOL_MIN connections, open and prepared before the first chat.
 */
import pg from 'pg'
import { pino } from 'pino'
import { afterAll, describe, expect, it } from 'vitest'
import { ApiError } from '../../agent/errors.js'
import { createMemoryCache } from '../../agent/memory/cache.js'
import { releaseKey } from '../../agent/memory/idempotency.js'
import { loadAgentConfig } from '../../agent/config.js'
import { openMemory } from '../../agent/memory/index.js'
import { ConversationStore, warmPool } from '../../agent/memory/store.js'
import { TEST_DATABASE_URL } from '../support/services.js'
import { createTestSchema, startTestAgent } from './support.js'

const pools: pg.Pool[] = []
const storeWith = (options: pg.PoolConfig) => {
  const pool = new pg.Pool({ connectionString: TEST_DATABASE_URL, ...options })
  pools.push(pool)
  return { pool, store: new ConversationStore(pool, createMemoryCache({ ttlSeconds: 60 })) }
}
afterAll(async () => {
  await Promise.all(pools.map((p) => p.end()))
})

describe('conversation store limits', () => {
  it('a saturated pool that is still completing work answers 503 database_busy and leaves the breaker closed', async () => {
    const { pool, store } = storeWith({ max: 1, connectionTimeoutMillis: 100 })
    const held = await pool.connect() // the only connection, busy elsewhere (a long tool query)
    try {
      for (let i = 0; i < 4; i++) {
        store.health.lastSuccessAt = Date.now() // other chats' queries keep completing
        const error = await store.history(`busy-${i}`, 'owner').catch((e: unknown) => e)
        expect(error).toBeInstanceOf(ApiError)
        expect(error).toMatchObject({ status: 503, type: 'database_busy', options: { retryAfterSec: 1 } })
      }
      expect(store.available()).toBe(true) // 4 busy answers, yet no outage declared
    } finally {
      held.release()
    }
    await store.ping()
  })

  it('a full pool that completes nothing (connections stuck on a hung server) is an outage: the breaker opens', async () => {
    const { pool, store } = storeWith({ max: 1, connectionTimeoutMillis: 100 })
    const held = await pool.connect()
    try {
      for (let i = 0; i < 3; i++) {
        const error = await store.history(`hung-${i}`, 'owner').catch((e: unknown) => e)
        expect(error).toMatchObject({ status: 503, type: 'database_unavailable' })
      }
      expect(store.available()).toBe(false) // later chats get their 503 at once, without waiting
    } finally {
      held.release()
    }
  })

  it('frees an Idempotency-Key claim once PostgreSQL has a connection again, so the retry is not refused for minutes', async () => {
    const schema = await createTestSchema('agent_release')
    const pool = new pg.Pool({ connectionString: schema.url, max: 1, connectionTimeoutMillis: 150 })
    pools.push(pool)
    try {
      await pool.query(`CREATE TABLE agent_idempotency (owner text, key text, status text)`)
      await pool.query(`INSERT INTO agent_idempotency VALUES ('o', 'k', 'in_flight')`)
      const store = new ConversationStore(pool, createMemoryCache({ ttlSeconds: 60 }))
      const held = await pool.connect() // the turn failed because the pool was busy: still busy now
      setTimeout(() => held.release(), 400)
      expect(await releaseKey(store, 'o', 'k', 5, 100)).toBe(true)
      expect((await pool.query(`SELECT count(*)::int AS n FROM agent_idempotency`)).rows[0].n).toBe(0)
    } finally {
      await schema.drop()
    }
  })

  it('a statement cancelled by the server-side statement_timeout is a 503 "not stored"', async () => {
    const { pool, store } = storeWith({ max: 2, statement_timeout: 100 })
    const error = await store.db(() => pool.query('SELECT pg_sleep(5)')).catch((e: unknown) => e)
    expect(error).toMatchObject({ status: 503, type: 'database_unavailable' })
    expect(((error as Error).cause as { code?: string }).code).toBe('57014')
  })
})

describe('readiness under load', () => {
  it('a replica whose pool is busy but working stays ready (warn), it is not taken out of service', async () => {
    const schema = await createTestSchema('agent_busy_ready')
    const t = await startTestAgent({ DATABASE_URL: schema.url, DB_POOL_MAX: '1' })
    const locker = new pg.Client({ connectionString: schema.url })
    try {
      const first = await t.chat({ message: 'hello' })
      expect(first.status).toBe(200)
      const locked = first.body.session_id
      await locker.connect()
      await locker.query('BEGIN')
      await locker.query(`SELECT 1 FROM agent_sessions WHERE id = $1 FOR UPDATE`, [locked])
      const blocked = t.chat({ message: 'again', session_id: locked }) // its commit holds the only connection
      await new Promise((r) => setTimeout(r, 300))
      const ready = await t.get('/ready')
      expect(ready.status).toBe(200)
      expect(ready.body.checks['postgresql:responseTime'][0]).toMatchObject({ status: 'warn', output: expect.stringContaining('busy') })
      await locker.query('ROLLBACK')
      expect((await blocked).status).toBe(200)
    } finally {
      await locker.end().catch(() => undefined)
      await t.close()
      await schema.drop()
    }
  })
})

describe('a warm pool (DB_POOL_MIN)', () => {
  it('opens DB_POOL_MIN connections at start, each with the commit and history statements already prepared', async () => {
    const schema = await createTestSchema('agent_warm')
    const memory = await openMemory(loadAgentConfig({ DATABASE_URL: schema.url, DB_POOL_MIN: '3' }), pino({ level: 'silent' }), 'unused:')
    try {
      expect({ total: memory.pool.totalCount, idle: memory.pool.idleCount }).toEqual({ total: 3, idle: 3 })
      const clients = await Promise.all([1, 2, 3].map(() => memory.pool.connect()))
      try {
        expect(memory.pool.totalCount).toBe(3) // the three warm ones, no fourth opened
        for (const client of clients) {
          // Protocol-level prepared statements show in the session's own pg_prepared_statements.
          const { rows } = await client.query(`SELECT name FROM pg_prepared_statements ORDER BY name`)
          expect(rows.map((r) => r.name)).toEqual(['agent-commit-turns', 'agent-history'])
        }
      } finally {
        for (const client of clients) client.release()
      }
      // The warm-up wrote nothing.
      expect((await memory.pool.query(`SELECT (SELECT count(*) FROM agent_sessions) + (SELECT count(*) FROM agent_turns) + (SELECT count(*) FROM agent_tool_audit) AS n`)).rows[0].n).toBe('0')
    } finally {
      await memory.close()
      await schema.drop()
    }
  })

  it('fails with the reason when it cannot open them all, and returns the ones it did open (the pool can still end)', async () => {
    // Room for 2 of the 3: the third waits for a free connection and times out.
    const pool = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 2, connectionTimeoutMillis: 200 })
    await expect(warmPool(pool, 3)).rejects.toThrow(/timeout/i)
    expect({ total: pool.totalCount, idle: pool.idleCount }).toEqual({ total: 2, idle: 2 })
    await pool.end() // would wait forever for a connection never released
  })
})
