/**
 * The model pool: one cockatiel circuit breaker per model, tried in preference order. A model
 * whose breaker is open is skipped without a call; when every breaker is open the pool fails at
 * once with the time until the first one may be probed again (the HTTP Retry-After).
 */
import { BrokenCircuitError, CircuitState, ConsecutiveBreaker, type CircuitBreakerPolicy, circuitBreaker, handleWhen } from 'cockatiel'
import type { Telemetry } from '../telemetry.js'
import { AllBreakersOpenError, LlmError, type LlmErrorKind } from './types.js'

/**
 * Failures that move a request on to the next model at once. A 429 is not among them: the provider
 * asked us to wait (Retry-After), and hopping to another model would dodge that contract and spread
 * the overload; the retry loop honours the wait instead.
 */
const FAIL_OVER = new Set<LlmErrorKind>(['server', 'network', 'timeout', 'invalid_response'])

export type BreakerStateName = 'closed' | 'open' | 'half-open'

interface ModelBreaker {
  policy: CircuitBreakerPolicy
  openedAt?: number
}

export class ModelPool {
  private readonly breakers = new Map<string, ModelBreaker>()

  constructor(
    readonly models: string[],
    private readonly options: { threshold: number; halfOpenMs: number },
    private readonly telemetry?: Telemetry,
  ) {
    for (const model of models) this.breakers.set(model, this.createBreaker(model))
    telemetry?.setBreakerSource(() => this.states())
  }

  /**
   * Runs `call` on the first model (in `order`, default the configured order) whose breaker lets
   * it through, failing over to the next on a model failure. Failures that would repeat on any model
   * (a 400, a content filter, a quota) pass through untouched.
   */
  async run<T>(call: (model: string) => Promise<T>, order: string[] = this.models): Promise<T> {
    let failure: LlmError | undefined
    for (const model of order) {
      const breaker = this.breakers.get(model) ?? this.addModel(model)
      try {
        return await breaker.policy.execute(() => call(model))
      } catch (error) {
        if (error instanceof BrokenCircuitError) {
          this.telemetry?.llmRequests.inc({ model, outcome: 'breaker_open' })
          continue
        }
        // The model itself is unwell (5xx, timeout, network, garbage): the next model can answer
        // this very request instead of the user waiting for the breaker to open first.
        if (error instanceof LlmError && FAIL_OVER.has(error.kind)) {
          failure = error
          continue
        }
        throw error
      }
    }
    throw failure ?? new AllBreakersOpenError(this.retryAfterSec())
  }

  /**
   * When no model can take a call right now, the error to answer with (counted as breaker_open),
   * so the server refuses before doing any work; undefined otherwise.
   */
  rejectIfAllOpen(): AllBreakersOpenError | undefined {
    if (!this.models.every((model) => this.state(model) === 'open')) return undefined
    for (const model of this.models) this.telemetry?.llmRequests.inc({ model, outcome: 'breaker_open' })
    return new AllBreakersOpenError(this.retryAfterSec())
  }

  /** Seconds until the earliest open breaker may be probed (at least 1). */
  retryAfterSec(): number {
    const waits = [...this.breakers.values()]
      .filter((b) => b.openedAt !== undefined)
      .map((b) => b.openedAt! + this.options.halfOpenMs - Date.now())
    return Math.max(1, Math.ceil(Math.min(...waits, this.options.halfOpenMs) / 1000))
  }

  /** The breaker's state as an operator reads it: an open breaker past its delay is half-open. */
  state(model: string): BreakerStateName {
    const breaker = this.breakers.get(model)
    if (!breaker) return 'closed'
    const state = breaker.policy.state
    if (state === CircuitState.HalfOpen) return 'half-open'
    if (state === CircuitState.Open || state === CircuitState.Isolated) {
      return Date.now() - (breaker.openedAt ?? 0) >= this.options.halfOpenMs ? 'half-open' : 'open'
    }
    return 'closed'
  }

  states(): Array<{ model: string; state: BreakerStateName }> {
    return [...this.breakers.keys()].map((model) => ({ model, state: this.state(model) }))
  }

  /** A model outside the configured pool (the budget downgrade model) gets its own breaker too. */
  private addModel(model: string): ModelBreaker {
    const breaker = this.createBreaker(model)
    this.breakers.set(model, breaker)
    return breaker
  }

  private createBreaker(model: string): ModelBreaker {
    const policy = circuitBreaker(
      handleWhen((error) => error instanceof LlmError && error.countsTowardBreaker),
      { halfOpenAfter: this.options.halfOpenMs, breaker: new ConsecutiveBreaker(this.options.threshold) },
    )
    const entry: ModelBreaker = { policy }
    policy.onBreak(() => (entry.openedAt = Date.now()))
    policy.onReset(() => (entry.openedAt = undefined))
    return entry
  }
}
