/**
 * The history cache's consistency rules on real Redis (unique key prefix on the shared server):
 * appends extend only an entry that matches PostgreSQL's count; a fill never lands over a
 * fresher entry or after a commit it did not see.
 */
import { Redis } from 'ioredis'
import { afterAll, describe, expect, it } from 'vitest'
import type { CountedMessage } from '../../agent/context.js'
import { createMemoryCache, createRedisCache, type SessionCache } from '../../agent/memory/cache.js'
import { createRedisGuard, type RedisGuard } from '../../agent/memory/redis-guard.js'
import { TEST_REDIS_URL } from '../support/services.js'
import { deleteKeys, uid } from './support.js'

const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 })
const prefix = `${uid('cachetest')}:`
afterAll(async () => {
  await deleteKeys(TEST_REDIS_URL, prefix)
  redis.disconnect()
})

const msg = (content: string): CountedMessage => ({ role: 'user', content, tokens: 3 })
const contents = async (cache: SessionCache, id: string) => (await cache.get(id))?.map((m) => m.content)

describe.each([
  ['redis', () => createRedisCache(redis, { ttlSeconds: 60, prefix })],
  ['memory', () => createMemoryCache({ ttlSeconds: 60 })],
])('%s cache', (_name, make) => {
  it('misses, fills, appends in order', async () => {
    const cache = make()
    const id = uid('s')
    expect(await cache.get(id)).toBeUndefined()
    await cache.fill(id, [], 0)
    expect(await cache.get(id)).toEqual([])
    await cache.append(id, [msg('a'), msg('b')], 0)
    await cache.append(id, [msg('c')], 2)
    expect(await contents(cache, id)).toEqual(['a', 'b', 'c'])
  })

  it('drops an entry that disagrees with the committed count instead of serving a gap', async () => {
    const cache = make()
    const id = uid('s')
    await cache.fill(id, [msg('a')], 1)
    await cache.append(id, [msg('x')], 5) // another replica committed turns this cache never saw
    expect(await cache.get(id)).toBeUndefined()
  })
})

describe('redis cache races', () => {
  it('refuses a fill older than a commit that found no entry', async () => {
    const cache = createRedisCache(redis, { ttlSeconds: 60, prefix })
    const id = uid('s')
    // Reader A loaded 1 message from PostgreSQL; meanwhile writer B committed message 2 (no entry yet).
    await cache.append(id, [msg('b')], 1)
    await cache.fill(id, [msg('a')], 1) // A's stale fill arrives late
    expect(await cache.get(id)).toBeUndefined()
    await cache.fill(id, [msg('a'), msg('b')], 2) // a fresh read may fill
    expect(await contents(cache, id)).toEqual(['a', 'b'])
  })

  it('a session\'s first turn creates the entry, unless a later turn of it already committed', async () => {
    const cache = createRedisCache(redis, { ttlSeconds: 60, prefix })
    const id = uid('s')
    await cache.append(id, [msg('a'), msg('b')], 0) // new session: the turn is all of it
    expect(await contents(cache, id)).toEqual(['a', 'b'])
    await cache.append(id, [msg('c')], 2)
    expect(await contents(cache, id)).toEqual(['a', 'b', 'c'])

    // Two first-ish turns race: turn 2 (count 2 -> 3) reaches Redis before turn 1 (0 -> 2).
    const raced = uid('s')
    await cache.append(raced, [msg('c')], 2) // no entry: drops and leaves a floor of 3
    await cache.append(raced, [msg('a'), msg('b')], 0) // late: must not cache a history without c
    expect(await cache.get(raced)).toBeUndefined()
    await cache.fill(raced, [msg('a'), msg('b')], 2) // a stale read (before turn 2) arrives last
    expect(await cache.get(raced)).toBeUndefined() // the floor (3) still stands
    await cache.fill(raced, [msg('a'), msg('b'), msg('c')], 3)
    expect(await contents(cache, raced)).toEqual(['a', 'b', 'c'])
  })

  it('never serves an entry that missed a turn while Redis was skipped, on this replica or another', async () => {
    let skipping = false
    const real = createRedisGuard()
    // The shared breaker, open for a while: commands are skipped without reaching Redis.
    const guard: RedisGuard = { run: (command) => (skipping ? Promise.resolve(undefined) : real.run(command)), degraded: () => skipping }
    const cache = createRedisCache(redis, { ttlSeconds: 60, prefix, guard })
    const otherReplica = createRedisCache(redis, { ttlSeconds: 60, prefix })
    const id = uid('s')
    await cache.append(id, [msg('alpha')], 0) // first turn: the entry is created
    skipping = true
    await cache.append(id, [msg('beta')], 1) // committed in PostgreSQL, not appended
    skipping = false
    expect(await cache.get(id)).toBeUndefined() // this replica reads PostgreSQL instead
    await expect.poll(() => otherReplica.get(id)).toBeUndefined() // and the stale entry is deleted for everyone
    await cache.fill(id, [msg('alpha'), msg('beta')], 2) // the PostgreSQL read refills it
    expect(await contents(cache, id)).toEqual(['alpha', 'beta'])
  })

  it('treats Redis failures as misses', async () => {
    const dead = new Redis({ port: 1, lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null })
    dead.on('error', () => undefined)
    const cache = createRedisCache(dead, { ttlSeconds: 60, prefix })
    expect(await cache.get('x')).toBeUndefined()
    await cache.append('x', [msg('a')], 0)
    await cache.fill('x', [msg('a')], 1)
    expect(await cache.get('x')).toBeUndefined()
    expect(cache.status()).toBe('degraded') // three failures opened the breaker
    dead.disconnect()
  })
})

describe('redis cache: one socket write for a turn\'s Redis commands', () => {
  it('sends the commands given to inOneWrite in one write, with their replies unchanged', async () => {
    const client = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 })
    try {
      await client.ping() // ready, and the ping's write is behind us
      const cache = createRedisCache(client, { ttlSeconds: 60, prefix })
      const id = uid('s')
      const counter = `${prefix}${uid('n')}`
      const socket = client.stream as unknown as { _writev?: (...args: unknown[]) => void; _write: (...args: unknown[]) => void }
      const writes: string[] = []
      const { _writev: writev, _write: write } = socket
      socket._writev = function (this: unknown, ...args: unknown[]) { writes.push('writev'); return writev!.apply(this, args) }
      socket._write = function (this: unknown, ...args: unknown[]) { writes.push('write'); return write.apply(this, args) }
      const [appended, count] = await cache.inOneWrite(() => Promise.all([cache.append(id, [msg('a')], 0), client.incrby(counter, 2)]))
      expect(writes).toEqual(['writev'])
      expect(appended).toBeUndefined()
      expect(count).toBe(2)
      expect(await contents(cache, id)).toEqual(['a'])
    } finally {
      client.disconnect()
    }
  })
})
