import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConfigSchema } from '../../src/config/schema.js'
import { runChecks } from '../../src/runner.js'
import { closedPort, type RedisInstance, startRedisServer } from '../../test/support/fault-servers.js'
import { TEST_REDIS_URL } from '../../test/support/services.js'
import { redisCheck, redisCli } from './check.js'
import { parseEndpoint } from '../../src/probes/endpoint.js'

const run = (redis: string) => runChecks([redisCheck], { mode: 'diagnose', config: ConfigSchema.parse({ dependencies: { redis } }), timeoutMs: 2000 })

describe('redis (shared server)', () => {
  it('passes with PING latency and the INFO evidence', async () => {
    const [f, ...issues] = await run(`${TEST_REDIS_URL}/9`)
    expect(f).toMatchObject({ status: 'pass', title: 'Redis' })
    expect(f!.evidence).toMatchObject({ latencyMs: expect.any(Number), role: 'master', maxmemoryPolicy: expect.any(String), evictedKeys: expect.any(Number), connectedClients: expect.any(Number) })
    expect(issues.filter((i) => i.title === 'Redis role')).toEqual([])
  })
})

describe('redis (own instance)', () => {
  let server: RedisInstance
  let admin: Redis
  beforeAll(async () => {
    server = await startRedisServer()
    admin = new Redis(server.url, { lazyConnect: true, maxRetriesPerRequest: 1 })
    await admin.connect()
  })
  afterAll(async () => {
    admin?.disconnect()
    await server?.close()
  })

  it('memory nearly full with noeviction is a failure that says writes will fail', async () => {
    await admin.config('SET', 'maxmemory-policy', 'noeviction')
    await admin.config('SET', 'maxmemory', String(3 * 1024 * 1024))
    // Fill until Redis refuses with OOM: that is "full" by definition.
    const chunk = 'x'.repeat(16 * 1024)
    for (let i = 0; i < 1000; i++) {
      try {
        await admin.set(`fill:${i}`, chunk)
      } catch {
        break
      }
    }
    const findings = await run(server.url)
    const memory = findings.find((f) => f.title === 'Redis memory')
    expect(memory).toMatchObject({ status: 'fail', message: expect.stringMatching(/with maxmemory-policy noeviction — writes fail with OOM once full/) })
    expect(memory!.remediation).toMatch(/CONFIG SET maxmemory-policy allkeys-lru/)
    expect(findings[0]!.evidence.memoryUsedPct).toBeGreaterThanOrEqual(98)
  })

  it('evicted keys are reported with the policy', async () => {
    await admin.config('SET', 'maxmemory-policy', 'allkeys-lru')
    const chunk = 'y'.repeat(16 * 1024)
    for (let i = 0; i < 400; i++) await admin.set(`lru:${i}`, chunk)
    const findings = await run(server.url)
    const evictions = findings.find((f) => f.title === 'Redis evictions')
    expect(evictions).toMatchObject({ status: 'warn', message: expect.stringMatching(/^\d+ keys evicted since start \(policy allkeys-lru\)/) })
  })

  it('a replica is flagged: writes would fail with READONLY', async () => {
    // A replica of an unreachable primary still reports role:slave, without loading the shared server.
    await admin.replicaof('127.0.0.1', await closedPort())
    try {
      const findings = await run(server.url)
      expect(findings.find((f) => f.title === 'Redis role')).toMatchObject({ status: 'warn', message: expect.stringContaining('READONLY') })
    } finally {
      await admin.replicaof('NO', 'ONE')
    }
  })
})

describe('redisCli', () => {
  it('never puts the password on the command line', () => {
    expect(redisCli(parseEndpoint('rediss://:s3cret-pass@cache.internal:6380/2')!)).toBe('redis-cli -h cache.internal -p 6380 --tls --askpass -n 2')
  })
})
