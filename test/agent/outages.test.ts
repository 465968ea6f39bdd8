/**
 * Dependency outages on the agent's OWN Redis and PostgreSQL instances (the shared ones are never
 * touched): Redis killed mid-run degrades to PostgreSQL without losing a turn; PostgreSQL stopped
 * turns chats into 503 + Retry-After and /ready into 503, and every acknowledged turn survives.
 */
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { TEST_DATABASE_URL } from '../support/services.js'
import { startOwnPostgres, startOwnRedis } from './own-services.js'
import { createTestSchema, startTestAgent, type TestAgent } from './support.js'

type Ack = { session: string; message: string }

/** Every acknowledged (200) user message must be stored in its session, in PostgreSQL. */
async function expectAllStored(databaseUrl: string, acks: Ack[]) {
  const client = new pg.Client({ connectionString: databaseUrl })
  await client.connect()
  try {
    const { rows } = await client.query(`SELECT session_id, content FROM agent_messages WHERE role = 'user'`)
    const stored = new Set(rows.map((r) => `${r.session_id}|${r.content}`))
    const missing = acks.filter((a) => !stored.has(`${a.session}|${a.message}`))
    expect(missing).toEqual([])
  } finally {
    await client.end()
  }
}

/**
 * Runs `rounds` turns in each named conversation. The agent issues session ids: a conversation's
 * first turn goes without one and the rest continue with the id of its first answer (`ids`).
 */
async function chatLoop(t: TestAgent, names: string[], rounds: number, acks: Ack[], statuses: number[], onRound?: (i: number) => Promise<void>, ids = new Map<string, string>()) {
  for (let i = 0; i < rounds; i++) {
    await onRound?.(i)
    await Promise.all(
      names.map(async (name) => {
        const message = `round ${i} for ${name}`
        const known = ids.get(name)
        const res = await t.chat(known ? { message, session_id: known } : { message })
        statuses.push(res.status)
        if (res.status === 200) {
          ids.set(name, res.body.session_id)
          acks.push({ session: res.body.session_id, message })
        }
      }),
    )
  }
  return ids
}

describe('Redis killed mid-run', () => {
  const cleanup: Array<() => Promise<void> | void> = []
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step()
  })

  it('keeps answering from PostgreSQL, reports degraded, and loses no acknowledged turn', async () => {
    const redis = await startOwnRedis()
    cleanup.push(() => redis.stop())
    const schema = await createTestSchema('agent_redis_outage')
    cleanup.push(() => schema.drop())
    const t = await startTestAgent({ DATABASE_URL: schema.url, REDIS_URL: redis.url, RATE_LIMIT_PER_MINUTE: '10000' })
    cleanup.push(() => t.close())
    t.mock.setScenario('slow', { latencyMs: 20 })

    const sessions = ['s-a', 's-b', 's-c', 's-d']
    const acks: Ack[] = []
    const statuses: number[] = []
    // Kill Redis while the third round is in flight.
    const ids = await chatLoop(t, sessions, 6, acks, statuses, async (i) => {
      if (i === 2) setTimeout(() => redis.kill(), 10)
    })
    expect(statuses.every((s) => s === 200)).toBe(true)
    const ready = await t.get('/ready')
    expect(ready.status).toBe(200)
    expect(ready.body.status).toBe('warn')
    expect(ready.body.checks['redis:responseTime'][0].status).toBe('warn')

    await expectAllStored(schema.url, acks)
    // History kept flowing: the last turn of each session saw all its previous turns.
    const stored = await t.get(`/sessions/${ids.get('s-a')}/messages`)
    expect(stored.body.messages.filter((m: { role: string }) => m.role === 'user')).toHaveLength(6)
  })
})

describe('Redis hanging (accepts, never answers)', () => {
  const cleanup: Array<() => Promise<void> | void> = []
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step()
  })

  it('is noticed once for the cache, the rate limiter and the budget: chats stop paying its timeouts', async () => {
    const redis = await startOwnRedis()
    cleanup.push(() => redis.stop())
    const schema = await createTestSchema('agent_redis_hang')
    cleanup.push(() => schema.drop())
    const t = await startTestAgent({ DATABASE_URL: schema.url, REDIS_URL: redis.url, RATE_LIMIT_PER_MINUTE: '10000', DAILY_BUDGET_USD: '100' })
    cleanup.push(() => t.close())
    const first = await t.chat({ message: 'hello' })
    expect(first.status).toBe(200)

    redis.pause()
    cleanup.push(() => redis.resume())
    const took: number[] = []
    for (let i = 0; i < 8; i++) {
      const started = performance.now()
      expect((await t.chat({ message: `turn ${i}`, session_id: first.body.session_id })).status).toBe(200)
      took.push(performance.now() - started)
    }
    // The hang was real: the first chats waited out command timeouts (1 s each)...
    expect(took.slice(0, 3).reduce((a, b) => a + b, 0)).toBeGreaterThan(900)
    // ...then one shared breaker skips Redis for every user: no chat pays a timeout any more.
    for (const ms of took.slice(-4)) expect(ms).toBeLessThan(700)
    const ready = await t.get('/ready')
    expect(ready.status).toBe(200)
    expect(ready.body.checks['redis:responseTime'][0].status).toBe('warn')
  })
})

describe('PostgreSQL stopped mid-run', () => {
  const cleanup: Array<() => Promise<void> | void> = []
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step()
  })

  it('answers 503 + Retry-After, fails readiness, and never acknowledges an unstored turn', async () => {
    const postgres = await startOwnPostgres()
    cleanup.push(() => postgres.destroy())
    const t = await startTestAgent({ DATABASE_URL: postgres.url, RATE_LIMIT_PER_MINUTE: '10000' })
    cleanup.push(() => t.close())
    t.mock.setScenario('slow', { latencyMs: 40 })

    const sessions = ['p-a', 'p-b', 'p-c']
    const acks: Ack[] = []
    const statuses: number[] = []
    // Stop PostgreSQL while the second round's LLM calls are in flight.
    await chatLoop(t, sessions, 4, acks, statuses, async (i) => {
      if (i === 1) setTimeout(() => void postgres.stop(), 30)
    })
    expect(statuses.filter((s) => s !== 200 && s !== 503)).toEqual([])
    expect(statuses.filter((s) => s === 503).length).toBeGreaterThan(0)

    const refused = await t.chat({ message: 'while down' })
    expect(refused.status).toBe(503)
    expect(refused.body.error.code).toBe('database_unavailable')
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0)
    const ready = await t.get('/ready')
    expect(ready.status).toBe(503)
    expect(ready.body.checks['postgresql:responseTime'][0].status).toBe('fail')
    expect((await t.get('/health')).status).toBe(200) // liveness never depends on dependencies

    await postgres.start()
    await expectAllStored(postgres.url, acks)
    // And the agent recovers by itself once PostgreSQL is back.
    await new Promise((r) => setTimeout(r, 2100)) // the store breaker's half-open delay
    expect((await t.chat({ message: 'back again' })).status).toBe(200)
  })
})

// Referenced so a missing shared database fails loudly here too rather than being skipped.
void TEST_DATABASE_URL
