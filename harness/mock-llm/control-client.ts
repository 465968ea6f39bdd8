import type { ScenarioState } from './engine.js'
import type { ScenarioInfo } from './catalogue.js'
import type { MockLlmStats } from './stats.js'

// The control API's wire types, for clients that only import this module.
export type { CallRecord, MockLlmStats } from './stats.js'
export type { LlmApi } from './formats/types.js'

export class MockLlmControlError extends Error {
  constructor(message: string, readonly status?: number, readonly validScenarios?: string[]) {
    super(message)
    this.name = 'MockLlmControlError'
  }
}

/**
 * A client for a REMOTE mock's control API (`agentctl mock-llm` running elsewhere). Every call is
 * bounded by AbortSignal.timeout so a dead mock fails fast instead of hanging a test or a check.
 */
export class MockLlmControl {
  readonly url: string

  /** `url` is the mock's root (http://127.0.0.1:4010); a trailing /v1 is tolerated. */
  constructor(url: string, private readonly timeoutMs = 2_000) {
    this.url = url.replace(/\/+$/, '').replace(/\/v1$/, '')
  }

  setScenario(name: string, params: Record<string, unknown> = {}): Promise<ScenarioState> {
    return this.call<{ scenario: ScenarioState }>('PUT', '/__mock/scenario', { ...params, name }).then((r) => r.scenario)
  }

  /** With `marker`, only the calls whose user text carried `[agentctl:<marker>]` (docs/CONTRACTS.md #2). */
  stats(options: { marker?: string } = {}): Promise<MockLlmStats> {
    return this.call('GET', options.marker === undefined ? '/__mock/stats' : `/__mock/stats?marker=${encodeURIComponent(options.marker)}`)
  }

  reset(): Promise<ScenarioState> {
    return this.call<{ scenario: ScenarioState }>('POST', '/__mock/reset').then((r) => r.scenario)
  }

  /** The scenario catalogue the remote mock knows. */
  scenarios(): Promise<ScenarioInfo[]> {
    return this.call<{ scenarios: ScenarioInfo[] }>('GET', '/__mock/scenarios').then((r) => r.scenarios)
  }

  /** Waits until the mock answers /health (e.g. after spawning `agentctl mock-llm`); throws after `timeoutMs`. */
  async ready(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (!(await this.ping())) {
      if (Date.now() >= deadline) throw new MockLlmControlError(`mock LLM at ${this.url} not ready after ${timeoutMs}ms`)
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }

  /** True when the mock answers /health in time; never throws. */
  async ping(): Promise<boolean> {
    try {
      const response = await fetch(`${this.url}/health`, { signal: AbortSignal.timeout(this.timeoutMs) })
      await response.body?.cancel()
      return response.ok
    } catch {
      return false
    }
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let response: Response
    try {
      response = await fetch(this.url + path, {
        method,
        headers: body === undefined ? undefined : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      })
    } catch (error) {
      const reason = error instanceof Error && error.name === 'TimeoutError' ? `no answer within ${this.timeoutMs}ms` : (error as Error).message
      throw new MockLlmControlError(`mock LLM control API at ${this.url} unreachable (${method} ${path}): ${reason}`)
    }
    const text = await response.text()
    let json: any
    try {
      json = JSON.parse(text)
    } catch {
      throw new MockLlmControlError(`mock LLM control API ${method} ${path} answered ${response.status} with a non-JSON body`, response.status)
    }
    if (!response.ok) throw new MockLlmControlError(json?.error?.message ?? `${method} ${path} failed with ${response.status}`, response.status, json?.scenarios)
    return json as T
  }
}
