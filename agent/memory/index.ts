/**
 * Opens the agent's memory: PostgreSQL (DATABASE_URL, else embedded PGlite), the history cache
 * (REDIS_URL, else an in-process LRU), migrations, and the tools' schema.
 */
import { Redis } from 'ioredis'
import pg from 'pg'
import type { Logger } from 'pino'
import type { AgentConfig } from '../config.js'
import { ensureToolSchema } from '../tools/index.js'
import { createMemoryCache, createRedisCache } from './cache.js'
import { createRedisGuard, type RedisGuard } from './redis-guard.js'
import { EMBEDDED_MAX_CONNECTIONS, type EmbeddedPostgres, startEmbeddedPostgres } from './embedded.js'
import { purgeExpiredKeys } from './idempotency.js'
import { migrate } from './migrations.js'
import { ConversationStore, warmPool } from './store.js'


const QUERY_TIMEOUT_MS = 10_000
const STATEMENT_TIMEOUT_MS = 8_000

export interface Memory {
  store: ConversationStore
  pool: pg.Pool
  /** The shared Redis client (rate limits, budget, cache), when REDIS_URL is set. */
  redis?: Redis
  /** Redis's health as its users see it (one breaker for the cache, rate limits and budget). */
  redisGuard: RedisGuard
  embedded?: EmbeddedPostgres
  close(): Promise<void>
}

export async function openMemory(config: AgentConfig, logger: Logger, redisPrefix: string): Promise<Memory> {
  const embedded = config.databaseUrl ? undefined : await startEmbeddedPostgres(config.dataDir)
  if (embedded) logger.warn({ dataDir: embedded.dataDir }, 'DATABASE_URL is unset: using embedded PostgreSQL (PGlite); set DATABASE_URL in production')
  const pool = new pg.Pool({
    connectionString: config.databaseUrl ?? embedded!.url,
    max: embedded ? EMBEDDED_MAX_CONNECTIONS : config.dbPoolMax,
    // Kept open however idle (warmPool() opens them and prepares the hot statements at start).
    min: embedded ? 0 : config.dbPoolMin,
    // Bounded waits: an unreachable database must turn into a fast 503, not a hung request.
    connectionTimeoutMillis: 3000,
    query_timeout: QUERY_TIMEOUT_MS,
    // The server gives up first (and rolls back), so "not stored" is true when the client gives up:
    // a commit still running after the client's timeout would store a turn the caller retries.
    // (Not covered: a commit waiting for a synchronous standby; the README says so.)
    ...(embedded ? {} : { statement_timeout: STATEMENT_TIMEOUT_MS }),
    idleTimeoutMillis: 30_000,
    application_name: 'agentctl-agent',
  })
  // Without a listener, an idle client's error (database restarted) would crash the process.
  pool.on('error', (err) => logger.warn({ err: err.message }, 'idle PostgreSQL connection failed; it will be replaced'))

  let redis: Redis | undefined
  try {
    const applied = await migrate(pool)
    if (applied.length) logger.info({ versions: applied }, 'database migrations applied')
    const tools = await ensureToolSchema(pool, { warn: (message) => logger.warn(message) })
    logger.debug({ tools }, 'tool schema ready')
    if (!embedded) {
      await warmPool(pool, config.dbPoolMin).catch((error: Error) => {
        throw new Error(`opening DB_POOL_MIN (${config.dbPoolMin}) connections: ${error.message} (lower DB_POOL_MIN, or raise the server's max_connections)`)
      })
    }
    if (config.redisUrl) redis = await connectRedis(config.redisUrl, logger)
  } catch (error) {
    await pool.end().catch(() => undefined)
    await embedded?.close().catch(() => undefined)
    throw new Error(`the agent's database is not usable: ${(error as Error).message}`)
  }
  // One breaker for every Redis user: a hanging Redis is noticed once, not per feature.
  const redisGuard = createRedisGuard()
  const cache = redis
    ? createRedisCache(redis, { ttlSeconds: config.cacheTtlSeconds, prefix: `${redisPrefix}session:`, guard: redisGuard })
    : createMemoryCache({ ttlSeconds: config.cacheTtlSeconds })
  if (!redis) logger.warn('REDIS_URL is unset: using an in-process cache; rate limits and budgets are per replica')
  const store = new ConversationStore(pool, cache, !embedded)
  await purgeExpiredKeys(store).catch(() => undefined)
  const purge = setInterval(() => void purgeExpiredKeys(store).catch(() => undefined), 3_600_000)
  purge.unref()

  return {
    store,
    pool,
    redis,
    redisGuard,
    embedded,
    async close() {
      clearInterval(purge)
      await pool.end().catch(() => undefined)
      redis?.disconnect()
      await embedded?.close().catch(() => undefined)
    },
  }
}

/**
 * A Redis client that fails fast while Redis is down (no offline queue, short command timeout)
 * and keeps reconnecting in the background, so the cache comes back by itself.
 */
async function connectRedis(url: string, logger: Logger): Promise<Redis> {
  const redis = new Redis(url, {
    connectTimeout: 2000,
    commandTimeout: 1000,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
    // No auto-pipelining: it builds an ioredis Pipeline per event-loop tick, each defining a getter
    // of its own, and the young-generation GC keeps such an object (with every command, argument
    // and reply of its tick) until the next full GC. Without it each scavenge promoted 7.8% instead
    // of 9.4% of what was allocated (agent/README.md, "Latency"). A chat's commands are sequential
    // anyway; only concurrent chats shared writes.
    enableAutoPipelining: false,
  })
  let down = false
  redis.on('error', (err) => {
    if (!down) logger.warn({ err: err.message }, 'Redis unreachable: serving from PostgreSQL until it returns')
    down = true
  })
  redis.on('ready', () => {
    if (down) logger.info('Redis reachable again')
    down = false
  })
  // Without an offline queue, commands sent before the first connect would fail: wait for it,
  // briefly. A Redis that is down at start is not fatal; the agent starts degraded.
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 2000)
    redis.once('ready', () => {
      clearTimeout(timer)
      resolve()
    })
  })
  return redis
}
