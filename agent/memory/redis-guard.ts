/**
 * One view of Redis's health, shared by its three users (the session cache, the rate limiter and
 * the budget). A Redis that hangs instead of refusing makes every command wait out ioredis's
 * commandTimeout; a shared breaker notices that once (3 consecutive failures) and every user then
 * skips Redis for `halfOpenMs`, instead of each chat paying a timeout per command.
 */
import { CircuitState, ConsecutiveBreaker, circuitBreaker, handleAll } from 'cockatiel'

export interface RedisGuard {
  /** The command's result, or undefined when it failed or the breaker is open (callers fall back). */
  run<T>(command: () => Promise<T>): Promise<T | undefined>
  degraded(): boolean
}

export function createRedisGuard(halfOpenMs = 5000): RedisGuard {
  const breaker = circuitBreaker(handleAll, { halfOpenAfter: halfOpenMs, breaker: new ConsecutiveBreaker(3) })
  return {
    async run(command) {
      try {
        return await breaker.execute(command)
      } catch {
        return undefined // a failure is a miss / local fallback; the breaker counts it
      }
    },
    degraded: () => breaker.state === CircuitState.Open,
  }
}
