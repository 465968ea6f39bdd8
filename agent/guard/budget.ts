import type { Redis } from 'ioredis'
import { createRedisGuard, type RedisGuard } from '../memory/redis-guard.js'

export interface BudgetOptions {
  /** USD per UTC day; 0 means unlimited. */
  dailyUsd: number
  redis?: Redis
  /** When over budget, route to this (cheaper) model instead of refusing. */
  downgradeModel?: string
  keyPrefix?: string
  /** Redis health shared with the cache and the rate limiter: while it is degraded, count locally. */
  guard?: RedisGuard
}

/**
 * `allowed: false` means the budget is spent. With a downgrade model configured, `downgradeTo`
 * names it: serve the request on that model instead of refusing. Without one, refuse (429
 * budget_exceeded). A caller that ignores `downgradeTo` therefore refuses: it fails safe.
 */
export interface BudgetDecision {
  allowed: boolean
  spentUsd: number
  downgradeTo?: string
}

export interface Budget {
  check(): Promise<BudgetDecision>
  record(usd: number): Promise<void>
  spentToday(): Promise<number>
}

const DAY_TTL_SEC = 2 * 24 * 3600

/** INCRBYFLOAT and its TTL in one command (MULTI/INCRBYFLOAT/EXPIRE/EXEC took four). */
const RECORD = `local v = redis.call('INCRBYFLOAT', KEYS[1], ARGV[1]) redis.call('EXPIRE', KEYS[1], ARGV[2]) return v`

type BudgetRedis = Redis & { agentBudgetRecord(key: string, usd: number, ttlSec: number): Promise<string> }

/**
 * The UTC day, e.g. 2026-11-21: the key rolls over at midnight UTC for every replica alike.
 * Formatted once per day, not per chat (toISOString showed in the chat path's CPU profile).
 */
const today = { day: '', from: 0, until: 0 }
function utcDay(now = Date.now()): string {
  if (now < today.from || now >= today.until) {
    const d = new Date(now)
    today.from = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate())
    today.until = today.from + 24 * 3600 * 1000
    today.day = d.toISOString().slice(0, 10)
  }
  return today.day
}

/**
 * Daily spend from token usage x pricing (the caller computes USD per request with src/pricing.ts).
 * With Redis the spend is shared by all replicas (INCRBYFLOAT on a per-day key with a TTL); each
 * replica also keeps its own tally, used when Redis is unreachable so a Redis outage neither
 * crashes the chat path nor silently resets the budget to zero for this replica.
 */
export function createBudget(opts: BudgetOptions): Budget {
  const prefix = opts.keyPrefix ?? 'agentctl:budget:'
  const local = new Map<string, number>()
  const keyFor = (day: string) => `${prefix}${day}`
  // defineCommand sends EVALSHA (the script body once per connection).
  if (opts.redis && !('agentBudgetRecord' in opts.redis)) opts.redis.defineCommand('agentBudgetRecord', { numberOfKeys: 1, lua: RECORD })
  const redis = opts.redis as BudgetRedis | undefined
  const guard = opts.guard ?? createRedisGuard()

  async function spentToday(): Promise<number> {
    const day = utcDay()
    const mine = local.get(day) ?? 0
    const redis = opts.redis
    if (!redis) return mine
    const shared = await guard.run(() => redis.get(keyFor(day)))
    return shared === undefined ? mine : Math.max(Number(shared ?? 0), mine)
  }

  async function record(usd: number): Promise<void> {
    if (!Number.isFinite(usd) || usd <= 0) return
    const day = utcDay()
    for (const old of local.keys()) if (old !== day) local.delete(old)
    local.set(day, (local.get(day) ?? 0) + usd)
    // On failure the local tally still counts it; spentToday() falls back to it while Redis is away.
    if (redis) await guard.run(() => redis.agentBudgetRecord(keyFor(day), usd, DAY_TTL_SEC))
  }

  async function check(): Promise<BudgetDecision> {
    const spentUsd = await spentToday()
    if (opts.dailyUsd <= 0 || spentUsd < opts.dailyUsd) return { allowed: true, spentUsd }
    if (opts.downgradeModel) return { allowed: false, spentUsd, downgradeTo: opts.downgradeModel }
    return { allowed: false, spentUsd }
  }

  return { check, record, spentToday }
}
