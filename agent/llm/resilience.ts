/**
 * The resilient LLM call: per-attempt timeout, retries with full jitter that honour the provider's
 * Retry-After, per-model circuit breakers with fallback models, and metrics for every attempt.
 *
 * Retry policy (why each rule exists):
 * - only transient kinds retry (timeout, network, 5xx, 429, invalid response); a 400/401/403/
 *   404/422, a quota error or a content filter would fail the same way again;
 * - the wait is `random(0, base * 2^attempt)` (full jitter: replicas do not retry in lockstep),
 *   or the provider's Retry-After / retry-after-ms when it gives one between 0 and 60 s;
 * - a Retry-After beyond 60 s, or beyond the chat's own deadline, is not waited for: the caller
 *   gets the error now instead of a request that times out anyway.
 */
import { deadline } from '../deadline.js'
import { type LlmEndpoint, type LlmRequest, callChatCompletion } from './client.js'
import type { ModelPool } from './models.js'
import { type Completion, LlmError } from './types.js'
import type { Telemetry } from '../telemetry.js'
import { sleep as abortableSleep } from '../../src/sleep.js'

const MAX_HONOURED_RETRY_AFTER_MS = 60_000
const MAX_BACKOFF_MS = 10_000

export interface ResilienceOptions {
  timeoutMs: number
  maxRetries: number
  retryBaseMs: number
  stream: boolean
}

export interface CompleteRequest extends Omit<LlmRequest, 'model' | 'stream'> {
  /** Cancelled when the chat is abandoned or its deadline passes. */
  signal: AbortSignal
  /** Absolute deadline (ms since epoch) of the chat request, so waits never overrun it. */
  deadline: number
  /** Models in preference order (e.g. a budget downgrade first); defaults to the pool's order. */
  models?: string[]
}

export class ResilientLlm {
  constructor(
    private readonly endpoint: LlmEndpoint,
    readonly pool: ModelPool,
    private readonly options: ResilienceOptions,
    private readonly telemetry: Telemetry,
  ) {}

  async complete(request: CompleteRequest): Promise<Completion> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.pool.run((model) => this.attempt(model, request), request.models)
      } catch (error) {
        if (!(error instanceof LlmError) || !error.retryable || attempt >= this.options.maxRetries) throw error
        const wait = this.backoffMs(error, attempt)
        if (wait === undefined || Date.now() + wait >= request.deadline) throw error
        await sleep(wait, request.signal)
      }
    }
  }

  /** Undefined means "do not retry": the provider asked for a wait longer than we honour. */
  private backoffMs(error: LlmError, attempt: number): number | undefined {
    const asked = error.details.retryAfterMs
    if (asked !== undefined) return asked <= MAX_HONOURED_RETRY_AFTER_MS ? asked : undefined
    return Math.random() * Math.min(MAX_BACKOFF_MS, this.options.retryBaseMs * 2 ** attempt)
  }

  private async attempt(model: string, request: CompleteRequest): Promise<Completion> {
    const stopTimer = this.telemetry.llmDuration.startTimer({ model })
    const attempt = deadline(this.options.timeoutMs, request.signal)
    try {
      const completion = await callChatCompletion(
        this.endpoint,
        { model, messages: request.messages, tools: request.tools, stream: this.options.stream },
        { attempt: attempt.signal, request: request.signal },
      )
      this.telemetry.llmRequests.inc({ model, outcome: 'success' })
      // Label everything with the pool's name, not the provider's dated variant: stable metrics.
      return { ...completion, model }
    } catch (error) {
      const failure = error instanceof LlmError ? error : new LlmError('network', String(error), { model })
      // A cancelled chat says nothing about the model's health: not a failed LLM request.
      if (failure.kind !== 'aborted') this.telemetry.llmRequests.inc({ model, outcome: failure.outcome })
      throw failure
    } finally {
      attempt.dispose()
      stopTimer()
    }
  }
}

/** The shared abortable sleep, failing as the chat's own cancellation. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return abortableSleep(ms, signal).catch(() => {
    throw new LlmError('aborted', 'the chat request was cancelled or ran out of time')
  })
}
