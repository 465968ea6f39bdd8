/**
 * How the conversation store tells load from an outage, on the real PostgreSQL: a full pool is
 * "busy, retry shortly" and never opens the breaker; a statement the server cancelled at its
 * deadline is "not stored" (503), as the turn really was not stored.
 */
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { ApiError } from '../../src/agent/errors.js'
import { createMemoryCache } from '../../src/agent/memory/cache.js'
import { ConversationStore } from '../../src/agent/memory/store.js'
import { TEST_DATABASE_URL } from '../support/services.js'

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
  it('a saturated pool answers 503 database_busy and leaves the breaker closed', async () => {
    const { pool, store } = storeWith({ max: 1, connectionTimeoutMillis: 100 })
    const held = await pool.connect() // the only connection, busy elsewhere (a long tool query)
    try {
      for (let i = 0; i < 4; i++) {
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

  it('a statement cancelled by the server-side statement_timeout is a 503 "not stored"', async () => {
    const { pool, store } = storeWith({ max: 2, statement_timeout: 100 })
    const error = await store.db(() => pool.query('SELECT pg_sleep(5)')).catch((e: unknown) => e)
    expect(error).toMatchObject({ status: 503, type: 'database_unavailable' })
    expect(((error as Error).cause as { code?: string }).code).toBe('57014')
  })
})
