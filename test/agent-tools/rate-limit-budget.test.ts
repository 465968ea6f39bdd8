import { randomBytes } from 'node:crypto'
import { createServer, type AddressInfo } from 'node:net'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createBudget, createRateLimiter } from '../../agent/guard/index.js'
import { TEST_REDIS_URL } from '../support/services.js'

const prefix = `agentctl-test:${randomBytes(4).toString('hex')}:`
let redis: Redis

beforeAll(async () => {
  redis = new Redis(TEST_REDIS_URL, { lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 1, enableOfflineQueue: false })
  await redis.connect()
})
afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`)
  if (keys.length) await redis.del(...keys)
  redis.disconnect()
})

/** A port nobody listens on: Redis "down", refused at once. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

const deadRedis = async () =>
  new Redis({ host: '127.0.0.1', port: await closedPort(), lazyConnect: true, connectTimeout: 300, commandTimeout: 300, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null })

describe('rate limiter', () => {
  it('in memory: perMinute requests pass, the next gets 429 data with Retry-After; keys are independent', async () => {
    const limiter = createRateLimiter({ perMinute: 3, keyPrefix: `${prefix}mem:` })
    const results = [await limiter.consume('k1'), await limiter.consume('k1'), await limiter.consume('k1')]
    expect(results.map((r) => r.remaining)).toEqual([2, 1, 0])
    const refused = await limiter.consume('k1')
    expect(refused.ok).toBe(false)
    expect(refused.retryAfterSec).toBeGreaterThanOrEqual(1)
    expect(refused.retryAfterSec).toBeLessThanOrEqual(60)
    expect((await limiter.consume('k2')).ok).toBe(true)
  })

  it('on the shared Redis: two replicas draw from one bucket per key', async () => {
    const a = createRateLimiter({ redis, perMinute: 3, keyPrefix: `${prefix}rl` })
    const b = createRateLimiter({ redis, perMinute: 3, keyPrefix: `${prefix}rl` })
    expect((await a.consume('key-x')).ok).toBe(true)
    expect((await b.consume('key-x')).ok).toBe(true)
    expect((await a.consume('key-x')).ok).toBe(true)
    const refused = await b.consume('key-x')
    expect(refused).toMatchObject({ ok: false, remaining: 0 })
    expect(refused.retryAfterSec).toBeGreaterThanOrEqual(1)
    expect(await redis.exists(`${prefix}rlkey-x`)).toBe(1)
    expect(await redis.pttl(`${prefix}rlkey-x`)).toBeGreaterThan(0)
  })

  it('with Redis down: degrades to per-process limits at once (neither open nor crashing)', async () => {
    const dead = await deadRedis()
    dead.on('error', () => undefined)
    const limiter = createRateLimiter({ redis: dead, perMinute: 2, keyPrefix: `${prefix}dead` })
    const started = Date.now()
    expect((await limiter.consume('k')).ok).toBe(true)
    expect((await limiter.consume('k')).ok).toBe(true)
    expect((await limiter.consume('k')).ok).toBe(false)
    expect(Date.now() - started).toBeLessThan(1000)
    dead.disconnect()
  })

  it('is a token bucket: an exhausted key is readmitted after one refill interval, not a whole minute', async () => {
    for (const redisClient of [undefined, redis]) {
      const limiter = createRateLimiter({ redis: redisClient, perMinute: 120, keyPrefix: `${prefix}refill${redisClient ? 'r' : 'm'}:` })
      for (let i = 0; i < 120; i++) expect((await limiter.consume('k')).ok).toBe(true)
      const refused = await limiter.consume('k')
      expect(refused).toMatchObject({ ok: false, retryAfterSec: 1 })
      await new Promise((resolve) => setTimeout(resolve, 550))
      expect((await limiter.consume('k')).ok).toBe(true)
      expect((await limiter.consume('k')).ok).toBe(false)
    }
  })

  it('accepts any perMinute, including ones whose refill interval is not a whole number of ms', async () => {
    for (const perMinute of [7, 110, 100_000_000]) expect((await createRateLimiter({ perMinute, keyPrefix: `${prefix}odd:` }).consume('k')).ok).toBe(true)
  })

  it('perMinute 0 disables limiting', async () => {
    const limiter = createRateLimiter({ perMinute: 0, keyPrefix: prefix })
    for (let i = 0; i < 5; i++) expect((await limiter.consume('k')).ok).toBe(true)
  })
})

describe('daily budget', () => {
  it('in memory: refuses once spend reaches the budget', async () => {
    const budget = createBudget({ dailyUsd: 1 })
    await budget.record(0.6)
    expect(await budget.check()).toEqual({ allowed: true, spentUsd: 0.6 })
    await budget.record(0.5)
    expect(await budget.check()).toMatchObject({ allowed: false })
    expect(await budget.spentToday()).toBeCloseTo(1.1)
  })

  it('starts a new day at midnight UTC', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    try {
      vi.setSystemTime(new Date('2026-11-21T23:59:59.500Z'))
      const budget = createBudget({ dailyUsd: 1 })
      await budget.record(0.9)
      expect(await budget.spentToday()).toBeCloseTo(0.9)
      vi.setSystemTime(new Date('2026-11-22T00:00:00.000Z'))
      expect(await budget.spentToday()).toBe(0)
      await budget.record(0.2)
      vi.setSystemTime(new Date('2026-11-21T12:00:00.000Z')) // a clock stepped back: yesterday's key again
      expect(await budget.spentToday()).toBe(0) // today's tally was pruned when the day changed
    } finally {
      vi.useRealTimers()
    }
  })

  it('downgrades to the configured cheaper model instead of refusing', async () => {
    const budget = createBudget({ dailyUsd: 0.5, downgradeModel: 'gpt-4o-mini' })
    await budget.record(0.5)
    expect(await budget.check()).toEqual({ allowed: false, spentUsd: 0.5, downgradeTo: 'gpt-4o-mini' })
  })

  it('dailyUsd 0 is unlimited; bogus amounts are ignored', async () => {
    const budget = createBudget({ dailyUsd: 0 })
    await budget.record(1e6)
    await budget.record(Number.NaN)
    await budget.record(-5)
    expect(await budget.check()).toEqual({ allowed: true, spentUsd: 1e6 })
  })

  it('on the shared Redis: replicas share the UTC-day spend, with a TTL', async () => {
    const a = createBudget({ dailyUsd: 1, redis, keyPrefix: `${prefix}budget:` })
    const b = createBudget({ dailyUsd: 1, redis, keyPrefix: `${prefix}budget:` })
    await a.record(0.7)
    expect(await b.check()).toMatchObject({ allowed: true })
    await b.record(0.4)
    expect(await a.check()).toMatchObject({ allowed: false })
    const key = `${prefix}budget:${new Date().toISOString().slice(0, 10)}`
    expect(Number(await redis.get(key))).toBeCloseTo(1.1)
    expect(await redis.ttl(key)).toBeGreaterThan(24 * 3600)
  })

  it('with Redis down: keeps counting locally and answers quickly', async () => {
    const dead = await deadRedis()
    dead.on('error', () => undefined)
    const budget = createBudget({ dailyUsd: 1, redis: dead, keyPrefix: `${prefix}dead:` })
    const started = Date.now()
    await budget.record(2)
    expect(await budget.check()).toEqual({ allowed: false, spentUsd: 2 })
    expect(Date.now() - started).toBeLessThan(1000)
    dead.disconnect()
  })
})
