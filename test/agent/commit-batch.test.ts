/**
 * Group commit on the real PostgreSQL: turns committed together share one statement, and each
 * still gets its own outcome (stored in order, forbidden, or refused alone for its own bad data).
 */
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CountedMessage } from '../../agent/context.js'
import { Redis } from 'ioredis'
import { createMemoryCache, createRedisCache } from '../../agent/memory/cache.js'
import { migrate } from '../../agent/memory/migrations.js'
import { ConversationStore, type TurnRecord } from '../../agent/memory/store.js'
import { ensureToolSchema } from '../../agent/tools/index.js'
import { TEST_REDIS_URL } from '../support/services.js'
import { createTestSchema, deleteKeys, uid } from './support.js'

let schema: Awaited<ReturnType<typeof createTestSchema>>
let pool: pg.Pool
let store: ConversationStore
const statements: string[] = []

beforeAll(async () => {
  schema = await createTestSchema('commitbatch')
  pool = new pg.Pool({ connectionString: schema.url, max: 4 })
  await migrate(pool)
  await ensureToolSchema(pool, { warn: () => undefined })
  // Counts the turn commits that reach PostgreSQL (the pool's query, as the store calls it).
  const query = pool.query.bind(pool) as (...args: unknown[]) => unknown
  ;(pool as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
    const text = (args[0] as { text?: string })?.text ?? String(args[0])
    if (text.includes('INSERT INTO agent_turns')) statements.push(text)
    return query(...args)
  }
  store = new ConversationStore(pool, createMemoryCache({ ttlSeconds: 60 }), true)
})
const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 })
const prefix = `${uid('commitbatch')}:`
afterAll(async () => {
  await pool.end()
  await schema.drop()
  await deleteKeys(TEST_REDIS_URL, prefix)
  redis.disconnect()
})

const msg = (role: 'user' | 'assistant', content: string): CountedMessage => ({ role, content, tokens: 2 })
const turn = (sessionId: string, owner: string, content: string): TurnRecord => ({
  sessionId, owner, requestId: uid('req'), model: 'gpt-4o-mini', iterations: 1, promptTokens: 3, completionTokens: 2, costUsd: 0.0001,
  injectionFlagged: false, messages: [msg('user', content), msg('assistant', `re: ${content}`)],
})
const stored = async (sessionId: string) =>
  (await pool.query('SELECT seq, content FROM agent_messages WHERE session_id = $1 ORDER BY seq', [sessionId])).rows.map((r) => `${r.seq}:${r.content}`)

describe('group commit', () => {
  it('stores turns of different sessions committed together in one statement, each in full', async () => {
    const ids = [uid('a'), uid('b'), uid('c')]
    statements.length = 0
    const results = await Promise.all(ids.map((id) => store.commitTurn(turn(id, 'k1', id))))
    expect(statements).toHaveLength(1)
    expect(results.map((r) => r.forbidden)).toEqual([false, false, false])
    for (const id of ids) expect(await stored(id)).toEqual([`1:${id}`, `2:re: ${id}`])
  })

  it('puts two turns of one session in consecutive statements, in order, with gap-free seqs', async () => {
    const id = uid('s')
    statements.length = 0
    await Promise.all([store.commitTurn(turn(id, 'k1', 'first')), store.commitTurn(turn(id, 'k1', 'second'))])
    expect(statements).toHaveLength(2)
    expect(await stored(id)).toEqual(['1:first', '2:re: first', '3:second', '4:re: second'])
  })

  it('refuses a turn on another key\'s session without touching its neighbours in the statement', async () => {
    const theirs = uid('theirs')
    await store.commitTurn(turn(theirs, 'owner', 'mine'))
    const mine = uid('mine')
    const [intruder, neighbour] = await Promise.all([store.commitTurn(turn(theirs, 'intruder', 'hijack')), store.commitTurn(turn(mine, 'k2', 'hello'))])
    expect(intruder.forbidden).toBe(true)
    expect(neighbour.forbidden).toBe(false)
    expect(await stored(theirs)).toEqual(['1:mine', '2:re: mine'])
    expect(await stored(mine)).toEqual(['1:hello', '2:re: hello'])
  })

  it('fails only the turn PostgreSQL refuses for its own data; its neighbours are stored', async () => {
    const good = uid('good')
    const bad = turn(uid('bad'), 'k3', 'x')
    bad.messages = [{ role: 'narrator' as 'user', content: 'not a role the schema allows', tokens: 1 }]
    const [ok, refused] = await Promise.allSettled([store.commitTurn(turn(good, 'k3', 'fine')), store.commitTurn(bad)])
    expect(ok.status).toBe('fulfilled')
    expect(refused).toMatchObject({ status: 'rejected', reason: { code: '23514' } })
    expect(await stored(good)).toEqual(['1:fine', '2:re: fine'])
    expect(await stored(bad.sessionId)).toEqual([])
  })
})

describe('a new session\'s first turn', () => {
  const redisStore = () => new ConversationStore(pool, createRedisCache(redis, { ttlSeconds: 60, prefix }), true)

  it('is cached while PostgreSQL commits, and the caller\'s Redis writes go with it', async () => {
    const store = redisStore()
    const id = uid('new')
    const spent = `${prefix}${uid('spent')}`
    const committed = await store.commitTurn({ ...turn(id, 'k4', 'hi'), newSession: true }, () => redis.incrby(spent, 1))
    await committed.cached
    expect(committed.forbidden).toBe(false)
    expect(await stored(id)).toEqual(['1:hi', '2:re: hi'])
    expect((await store.history(id, 'k4')).messages.map((m) => m.content)).toEqual(['hi', 're: hi'])
    expect(await redis.get(spent)).toBe('1')
  })

  it('leaves no cache entry when the commit fails', async () => {
    const store = redisStore()
    const bad = { ...turn(uid('newbad'), 'k4', 'x'), newSession: true }
    bad.messages = [{ role: 'narrator' as 'user', content: 'refused by the schema', tokens: 1 }]
    await expect(store.commitTurn(bad)).rejects.toMatchObject({ code: '23514' })
    await new Promise((resolve) => setTimeout(resolve, 50)) // the drop is not awaited by the failed commit
    expect(await redis.exists(`${prefix}{${bad.owner}/${bad.sessionId}}:m`, `${prefix}{${bad.owner}/${bad.sessionId}}:n`)).toBe(0)
  })
})

describe('group commit under contention', () => {
  it('commits each session\'s turns in the order asked, whatever the order across sessions', async () => {
    for (let i = 0; i < 15; i++) {
      const [a, b] = [uid('da'), uid('db')]
      // One flush: [b, a] in the first statement, [a, b] in the second.
      const results = await Promise.allSettled([
        store.commitTurn(turn(b, 'k5', 'b1')), store.commitTurn(turn(a, 'k5', 'a1')),
        store.commitTurn(turn(a, 'k5', 'a2')), store.commitTurn(turn(b, 'k5', 'b2')),
      ])
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled'])
      expect(await stored(a)).toEqual(['1:a1', '2:re: a1', '3:a2', '4:re: a2'])
      expect(await stored(b)).toEqual(['1:b1', '2:re: b1', '3:b2', '4:re: b2'])
    }
  }, 30_000)
})
