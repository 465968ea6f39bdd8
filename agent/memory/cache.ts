/**
 * The session-history cache in front of PostgreSQL. PostgreSQL stays the system of record: the
 * cache only ever holds a copy, every failure reads as a miss, and a breaker stops calling Redis
 * while it is down (requests then read PostgreSQL directly and /ready reports "degraded").
 *
 * Consistency: each session has a list of its newest messages and a count (the seq of the last
 * message). Both writes are Lua scripts, atomic in Redis:
 * - append (after a PostgreSQL commit) extends the list only if the cached count is exactly the
 *   count before this turn; otherwise it drops the entry. A session's first turn (count before it
 *   0) is the whole session, so it creates the entry: the second turn then hits the cache instead
 *   of reading PostgreSQL, unless a floor shows a later turn already committed;
 * - fill (after a miss) never overwrites a fresher entry, and a "floor" left by an append that
 *   found no entry stops a fill racing with that commit from caching stale history.
 */
import { LRUCache } from 'lru-cache'
import type { Redis } from 'ioredis'
import type { CountedMessage } from '../context.js'
import { createRedisGuard, type RedisGuard } from './redis-guard.js'

export interface SessionCache {
  readonly kind: 'redis' | 'memory'
  /** Undefined on a miss (or any cache failure). */
  get(sessionId: string): Promise<CountedMessage[] | undefined>
  /** Caches the tail of a session read from PostgreSQL; `count` is the session's message_count. */
  fill(sessionId: string, tail: CountedMessage[], count: number): Promise<void>
  /** Appends a committed turn: `previousCount` is message_count before it. */
  append(sessionId: string, messages: CountedMessage[], previousCount: number): Promise<void>
  /**
   * Runs `send`, whose Redis commands go out synchronously, so that they leave in one socket write:
   * one syscall and one wake-up of Redis instead of one per command (the turn's cache append and
   * spend record). The commands, their order and their replies are unchanged.
   */
  inOneWrite<T>(send: () => T): T
  /** Deletes a session's entry (never rejects; a failure leaves it to its TTL). */
  drop(sessionId: string): Promise<void>
  /** 'ok', or 'degraded' while the breaker is open (Redis unreachable). */
  status(): 'ok' | 'degraded'
  ping(): Promise<void>
}

/** Newest messages kept per session: more than any context budget needs. */
export const CACHED_TAIL = 200

/** The count and the list in one atomic read (one command, where MULTI/GET/LRANGE/EXEC took four). */
const GET = `return {redis.call('GET', KEYS[2]), redis.call('LRANGE', KEYS[1], 0, -1)}`

const FILL = `
local floor = tonumber(redis.call('GET', KEYS[3]) or '-1')
local current = tonumber(redis.call('GET', KEYS[2]) or '-1')
local n = tonumber(ARGV[1])
if floor > n or current >= n then return 0 end
redis.call('DEL', KEYS[1])
if #ARGV > 2 then redis.call('RPUSH', KEYS[1], unpack(ARGV, 3)) end
redis.call('SET', KEYS[2], n, 'EX', ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 1`

const APPEND = `
local current = redis.call('GET', KEYS[2])
local floor = tonumber(redis.call('GET', KEYS[3]) or '-1')
local after = tonumber(ARGV[2]) -- the count once this turn is in
-- A session's first turn is all of it: it starts the entry, unless a later turn already committed.
local first = current == false and tonumber(ARGV[1]) == 0 and floor < after
if not first and (current == false or tonumber(current) ~= tonumber(ARGV[1])) then
  redis.call('DEL', KEYS[1], KEYS[2])
  -- The floor only rises: a late append of an earlier turn must not lower it below a later one.
  if floor < after then redis.call('SET', KEYS[3], ARGV[2], 'EX', ARGV[3]) end
  return 0
end
if first then redis.call('DEL', KEYS[1]) end
redis.call('RPUSH', KEYS[1], unpack(ARGV, 5))
redis.call('LTRIM', KEYS[1], -tonumber(ARGV[4]), -1)
redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 1`

type ScriptedRedis = Redis & {
  agentHistoryGet(list: string, count: string): Promise<[string | null, string[]]>
  agentHistoryFill(list: string, count: string, floor: string, ...args: Array<string | number>): Promise<number>
  agentHistoryAppend(list: string, count: string, floor: string, ...args: Array<string | number>): Promise<number>
}

export function createRedisCache(client: Redis, options: { ttlSeconds: number; prefix: string; guard?: RedisGuard; halfOpenMs?: number }): SessionCache {
  // defineCommand sends EVALSHA (the script body only once per connection), not the source each call.
  if (!('agentHistoryFill' in client)) {
    client.defineCommand('agentHistoryGet', { numberOfKeys: 2, lua: GET })
    client.defineCommand('agentHistoryFill', { numberOfKeys: 3, lua: FILL })
    client.defineCommand('agentHistoryAppend', { numberOfKeys: 3, lua: APPEND })
  }
  const redis = client as ScriptedRedis
  const guard = options.guard ?? createRedisGuard(options.halfOpenMs)
  // The {hash tag} keeps a session's keys on one Redis Cluster slot, as the scripts require.
  const keys = (id: string): [string, string, string] => [`${options.prefix}{${id}}:m`, `${options.prefix}{${id}}:n`, `${options.prefix}{${id}}:floor`]
  // Sessions whose committed turn could not be appended (Redis failed, or the breaker skipped it):
  // their entry may now miss that turn. This replica reads them from PostgreSQL, and deletes their
  // entries as soon as Redis answers again, so no replica goes on serving a history with a gap.
  const stale = new LRUCache<string, true>({ max: 100_000 })
  let deleting = false
  const deleteStale = () => {
    if (deleting || stale.size === 0) return
    deleting = true
    const ids = [...stale.keys()].slice(0, 500)
    // One DEL per session (its keys share a Cluster slot), all in flight at once.
    void Promise.all(ids.map((id) => guard.run(() => redis.del(...keys(id)))))
      .then((done) => ids.forEach((id, i) => done[i] !== undefined && stale.delete(id)))
      .finally(() => (deleting = false))
  }
  const guarded = async <T>(fn: () => Promise<T>) => {
    const result = await guard.run(fn) // a failure is a miss
    if (result !== undefined) deleteStale()
    return result
  }
  return {
    kind: 'redis',
    async get(sessionId) {
      if (stale.has(sessionId)) {
        deleteStale() // for the other replicas, once Redis answers
        return undefined // this one reads PostgreSQL; its fill replaces the entry
      }
      const [list, count] = keys(sessionId)
      const result = await guarded(() => redis.agentHistoryGet(list, count))
      // A missing count is Lua false inside the table, which arrives as null.
      const n = result?.[0]
      const raw = result?.[1] ?? []
      if (n === null || n === undefined || (Number(n) > 0 && raw.length === 0)) return undefined
      return raw.map((item) => JSON.parse(item) as CountedMessage)
    },
    async fill(sessionId, tail, count) {
      const items = tail.slice(-CACHED_TAIL).map((m) => JSON.stringify(m))
      if ((await guarded(() => redis.agentHistoryFill(...keys(sessionId), count, options.ttlSeconds, ...items))) !== undefined) stale.delete(sessionId)
    },
    async append(sessionId, messages, previousCount) {
      if (messages.length === 0) return
      const items = messages.map((m) => JSON.stringify(m))
      const next = previousCount + messages.length
      const appended = await guarded(() => redis.agentHistoryAppend(...keys(sessionId), previousCount, next, options.ttlSeconds, CACHED_TAIL, ...items))
      // Applied (or the script dropped a mismatched entry): consistent again. Not applied: stale.
      if (appended === undefined) stale.set(sessionId, true)
      else stale.delete(sessionId)
    },
    inOneWrite(send) {
      // Corked, the socket buffers every write until uncork() hands them to one writev. Not when
      // the client is not ready: its commands then fail at once, as they would uncorked.
      const stream = redis.status === 'ready' ? redis.stream : undefined
      stream?.cork()
      try {
        return send()
      } finally {
        stream?.uncork()
      }
    },
    async drop(sessionId) {
      await guarded(() => redis.del(...keys(sessionId)))
    },
    status: () => (guard.degraded() ? 'degraded' : 'ok'),
    ping: async () => void (await redis.ping()),
  }
}

/** The embedded default (no REDIS_URL): an in-process LRU with the same TTL semantics. */
export function createMemoryCache(options: { ttlSeconds: number; maxSessions?: number }): SessionCache {
  const lru = new LRUCache<string, { count: number; messages: CountedMessage[] }>({
    max: options.maxSessions ?? 10_000,
    ttl: options.ttlSeconds * 1000,
  })
  return {
    kind: 'memory',
    get: async (sessionId) => lru.get(sessionId)?.messages.slice(),
    async fill(sessionId, tail, count) {
      if ((lru.get(sessionId)?.count ?? -1) < count) lru.set(sessionId, { count, messages: tail.slice(-CACHED_TAIL) })
    },
    async append(sessionId, messages, previousCount) {
      const entry = lru.get(sessionId)
      if (!entry || entry.count !== previousCount) return void lru.delete(sessionId)
      lru.set(sessionId, { count: previousCount + messages.length, messages: [...entry.messages, ...messages].slice(-CACHED_TAIL) })
    },
    inOneWrite: (send) => send(),
    drop: async (sessionId) => void lru.delete(sessionId),
    status: () => 'ok',
    ping: async () => undefined,
  }
}
