import OpenAI from 'openai'
import { createMockLlm, startMockLlmServer, type MockLlmOptions, type MockLlmStats, type ScenarioState } from '../../harness/index.js'

/** One mock, either in-process (msw) or a real HTTP server, behind the same small surface. */
export interface MockUnderTest {
  baseUrl: string
  setScenario(name: string, params?: Record<string, unknown>): ScenarioState
  stats(marker?: string): MockLlmStats
  reset(): ScenarioState
  close(): Promise<void>
}

export const MODES: Array<{ mode: string; start: (options?: MockLlmOptions) => Promise<MockUnderTest> }> = [
  {
    mode: 'in-process',
    start: async (options) => {
      const mock = createMockLlm(options)
      mock.listen()
      return { ...mock, baseUrl: mock.baseUrl, close: async () => mock.close() }
    },
  },
  { mode: 'server', start: (options) => startMockLlmServer({ port: 0, ...options }) },
  // Every request through msw's getResponse, the completions hot path included: same answers.
  { mode: 'server, hotPath msw', start: (options) => startMockLlmServer({ port: 0, hotPath: 'msw', ...options }) },
]

/** The official SDK as the client; fetch looked up at call time so msw's patch is always seen. */
export function client(baseURL: string, options: { maxRetries?: number; timeout?: number } = {}): OpenAI {
  return new OpenAI({
    apiKey: 'sk-test-not-a-real-key',
    baseURL,
    maxRetries: options.maxRetries ?? 0,
    timeout: options.timeout ?? 5_000,
    fetch: (input, init) => globalThis.fetch(input, init),
  })
}

export const CALCULATOR = {
  type: 'function' as const,
  function: {
    name: 'calculator',
    description: 'Evaluate an arithmetic expression',
    parameters: { type: 'object', properties: { expression: { type: 'string' } }, required: ['expression'], additionalProperties: false },
  },
}

export const CURRENT_TIME = {
  type: 'function' as const,
  function: {
    name: 'current_time',
    description: 'The current time in a timezone',
    parameters: { type: 'object', properties: { timezone: { type: 'string', enum: ['UTC', 'Europe/Paris'] } }, required: ['timezone'] },
  },
}
