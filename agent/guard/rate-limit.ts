import type { Redis } from 'ioredis'
import { createRedisGuard, type RedisGuard } from '../memory/redis-guard.js'
import { LRUCache } from 'lru-cache'

export interface RateLimiterOptions {
  /** Shared store: every replica draws from the same bucket per key. */
  redis?: Redis
  /** Sustained requests per key per minute (also the burst size); 0 disables limiting. */
  perMinute: number
  /** Namespaces the Redis keys (e.g. `agentctl:rl:`) so agents sharing a Redis do not collide. */
  keyPrefix: string
  /** Redis health shared with the cache and the budget: while it is degraded, limit in memory. */
  guard?: RedisGuard
}

export interface RateLimitDecision {
  ok: boolean
  /** Seconds until a request would be admitted again (the Retry-After value); 0 when ok. */
  retryAfterSec: number
  remaining: number
}

export interface RateLimiter {
  consume(key: string): Promise<RateLimitDecision>
}

/**
 * A token bucket per key, implemented as GCRA (the generic cell rate algorithm): the bucket holds
 * `perMinute` tokens and refills one every 60 s / perMinute, so a client that exhausted its burst
 * is told to come back in about one refill interval, not at the end of a fixed minute window.
 * GCRA keeps one number per key (the "theoretical arrival time"), which makes the Redis version a
 * single atomic script using the server's clock, so replicas with skewed clocks agree.
 */
const GCRA_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local window = tonumber(ARGV[2]) * interval
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local next = tat + interval
if next - now > window then return {0, next - now - window, 0} end
redis.call('SET', KEYS[1], next, 'PX', math.ceil(next - now))
return {1, 0, math.floor((window - (next - now)) / interval)}
`

type Decision = [allowed: number, retryAfterMs: number, remaining: number]

function decide(tat: number | undefined, now: number, interval: number, capacity: number): { decision: Decision; next?: number } {
  const start = Math.max(tat ?? now, now)
  const next = start + interval
  const window = capacity * interval
  if (next - now > window) return { decision: [0, next - now - window, 0] }
  return { decision: [1, 0, Math.floor((window - (next - now)) / interval)], next }
}

/**
 * With Redis the limit is cluster-wide; when Redis is down or not ready an in-memory bucket takes
 * over, so an outage degrades to per-replica limits instead of failing open (no limit) or failing
 * closed (every request refused). Build the ioredis client with `enableOfflineQueue: false` so a
 * dead Redis errors at once rather than queueing.
 */
export function createRateLimiter(opts: RateLimiterOptions): RateLimiter {
  if (opts.perMinute <= 0) return { consume: async () => ({ ok: true, retryAfterSec: 0, remaining: Number.POSITIVE_INFINITY }) }
  const interval = 60_000 / opts.perMinute
  const capacity = opts.perMinute
  const local = new LRUCache<string, number>({ max: 100_000, ttl: 60_000, ttlAutopurge: false })
  const guard = opts.guard ?? createRedisGuard()

  const inMemory = (key: string): Decision => {
    const now = Date.now()
    const { decision, next } = decide(local.get(key), now, interval, capacity)
    if (next !== undefined) local.set(key, next, { ttl: Math.ceil(next - now) })
    return decision
  }

  const inRedis = async (redis: Redis, key: string): Promise<Decision> => {
    // defineCommand sends EVALSHA (the script's hash) and falls back to EVAL once per connection,
    // instead of shipping and hashing the whole script on every request.
    const client = redis as Redis & { agentctlGcra?: (key: string, interval: number, capacity: number) => Promise<Decision> }
    if (!client.agentctlGcra) client.defineCommand('agentctlGcra', { numberOfKeys: 1, lua: GCRA_SCRIPT })
    return client.agentctlGcra!(`${opts.keyPrefix}${key}`, interval, capacity)
  }

  return {
    async consume(key: string): Promise<RateLimitDecision> {
      const redis = opts.redis?.status === 'ready' ? opts.redis : undefined
      const decision = (redis && (await guard.run(() => inRedis(redis, key)))) || inMemory(key)
      const [allowed, retryAfterMs, remaining] = decision
      return allowed ? { ok: true, retryAfterSec: 0, remaining } : { ok: false, retryAfterSec: Math.max(1, Math.ceil(retryAfterMs / 1000)), remaining: 0 }
    },
  }
}
