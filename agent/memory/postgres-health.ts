/**
 * PostgreSQL's health as the chat path sees it: a breaker that turns an outage into immediate
 * 503s instead of every request waiting out a connection timeout, and the difference between a
 * busy replica (every pooled connection in use, queries still completing) and a stuck one.
 */
import { BrokenCircuitError, CircuitState, ConsecutiveBreaker, circuitBreaker, handleWhen } from 'cockatiel'
import type pg from 'pg'
import { ApiError, databaseUnavailable } from '../errors.js'

/** How long PostgreSQL is left alone after 3 consecutive connection failures. */
const HALF_OPEN_MS = 2000

/**
 * Errors that mean "PostgreSQL is unreachable or refusing work", as opposed to a bad query:
 * Node socket errors and pg pool timeouts (no SQLSTATE), SQLSTATE class 08 (connection), 57P
 * (shutdown, cannot connect now) and 53 (insufficient resources: too many connections).
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (error instanceof BrokenCircuitError) return true
  if (!(error instanceof Error) || error instanceof ApiError || error instanceof PoolBusyError) return false
  const code = (error as { code?: unknown }).code
  // 57014: statement_timeout (the pool's server-side deadline) cancelled it; nothing was stored.
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code.startsWith('08') || code.startsWith('57') || code.startsWith('53')
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return true // ECONNREFUSED, ECONNRESET, ETIMEDOUT, EPIPE…
  return /connection|terminated|timeout|socket|ECONN/i.test(error.message)
}

/**
 * Every pooled connection of this replica was busy for the whole connection wait: load, not an
 * outage. It must not open the breaker (that would turn a busy replica into 503s for everyone
 * and fail its readiness); the caller gets a 503 to retry shortly.
 */
class PoolBusyError extends Error {}

const POOL_WAIT_TIMEOUT = 'timeout exceeded when trying to connect'

export class PostgresHealth {
  private readonly breaker = circuitBreaker(handleWhen(isDatabaseUnavailable), {
    halfOpenAfter: HALF_OPEN_MS,
    breaker: new ConsecutiveBreaker(3),
  })
  private openedAt = 0
  /** When an operation last succeeded: a full pool that still completes work is busy, not down. */
  lastSuccessAt = 0

  constructor(private readonly pool: pg.Pool) {
    this.breaker.onBreak(() => (this.openedAt = Date.now()))
  }

  /**
   * False while the breaker is open: the server answers 503 before spending an LLM call. Past the
   * half-open delay it is true again, so the next request probes PostgreSQL and closes the breaker.
   */
  available(): boolean {
    return this.breaker.state !== CircuitState.Open || Date.now() - this.openedAt >= HALF_OPEN_MS
  }

  /** Every pooled connection in use while operations still complete: load, not an outage. */
  saturated(): boolean {
    const { totalCount, idleCount, options } = this.pool as pg.Pool & { options: { max?: number; connectionTimeoutMillis?: number } }
    const progressing = Date.now() - this.lastSuccessAt <= 2 * (options.connectionTimeoutMillis || 3000)
    return progressing && idleCount === 0 && totalCount >= (options.max ?? 10)
  }

  /** Runs a PostgreSQL operation through the breaker; an outage becomes a 503 ApiError. */
  async run<T>(operation: () => Promise<T>): Promise<T> {
    try {
      const value = await this.breaker.execute(() => operation().catch((error: unknown) => Promise.reject(this.busy(error) ? new PoolBusyError(POOL_WAIT_TIMEOUT) : error)))
      this.lastSuccessAt = Date.now()
      return value
    } catch (error) {
      if (error instanceof PoolBusyError) {
        throw new ApiError(503, 'database_busy', 'every PostgreSQL connection of this replica is busy; the turn was not stored, retry shortly', { retryAfterSec: 1 })
      }
      if (error instanceof ApiError) throw error
      if (isDatabaseUnavailable(error)) throw Object.assign(databaseUnavailable(), { cause: error })
      throw error
    }
  }

  /**
   * A pool wait that timed out while the pool was full and still completing work. With no success
   * for twice as long as a wait lasts, the pooled connections are more likely stuck on a hung server:
   * that is an outage, for the breaker to see. (A refused connection fails differently.)
   */
  private busy(error: unknown): boolean {
    return error instanceof Error && error.message === POOL_WAIT_TIMEOUT && this.saturated()
  }
}
