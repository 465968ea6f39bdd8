import { setupServer, type SetupServer } from 'msw/node'
import { MockLlmEngine, type ScenarioState } from './engine.js'
import type { Fault } from './faults/index.js'
import { mockLlmHandlers } from './handlers.js'
import type { MockLlmStats } from './stats.js'
import type { MockLlmOptions } from './types.js'

export const IN_PROCESS_ORIGIN = 'http://mock-llm.test'

export interface InProcessMockLlm {
  /** http://mock-llm.test/v1 — only reachable through the patched global fetch. */
  baseUrl: string
  url: string
  listen(): void
  close(): void
  /** Adds faults in front of the scenario (newest first), e.g. use(faults.rateLimited({ count: 1 })). */
  use(...faults: Fault[]): void
  setScenario(name: string, params?: Record<string, unknown>): ScenarioState
  stats(marker?: string): MockLlmStats
  reset(): ScenarioState
  readonly engine: MockLlmEngine
  readonly server: SetupServer
}

/**
 * The mock inside the test process: msw's setupServer patches global fetch, so an OpenAI client
 * created AFTER listen() (or one calling globalThis.fetch at call time) reaches the mock.
 */
export function createMockLlm(options: MockLlmOptions = {}): InProcessMockLlm {
  const engine = new MockLlmEngine(options)
  const server = setupServer(...mockLlmHandlers(engine, IN_PROCESS_ORIGIN))
  return {
    url: IN_PROCESS_ORIGIN,
    baseUrl: `${IN_PROCESS_ORIGIN}/v1`,
    engine,
    server,
    // Anything else the suite fetches passes through untouched.
    listen: () => server.listen({ onUnhandledFrame: 'bypass' }),
    close: () => {
      engine.close()
      server.close()
    },
    use: (...faults) => engine.use(...faults),
    setScenario: (name, params) => engine.setScenario(name, params),
    stats: (marker) => engine.stats(marker),
    reset: () => engine.reset(),
  }
}
