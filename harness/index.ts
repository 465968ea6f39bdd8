/**
 * agentctl/harness — a mock LLM speaking OpenAI Chat Completions, OpenAI Responses and Anthropic
 * Messages, with one fault catalogue in all three, for your own tests.
 *
 *   import { createMockLlm, faults } from 'agentctl/harness'
 *
 * In-process (msw setupServer): createMockLlm(). As a real HTTP server: startMockLlmServer().
 * A remote mock (agentctl mock-llm): new MockLlmControl('http://127.0.0.1:4010').
 */
export { createMockLlm, IN_PROCESS_ORIGIN, type InProcessMockLlm } from './mock-llm/in-process.js'
export { startMockLlmServer, type MockLlmServer } from './mock-llm/server.js'
export { MockLlmControl, MockLlmControlError } from './mock-llm/control-client.js'
export { llmTrafficProblem, type LlmTrafficStats } from './mock-llm/diagnosis.js'
export { LLM_APIS, SERVED_ROUTES, type LlmApi } from './mock-llm/formats/index.js'
export { faults, SCENARIOS, SCENARIO_NAMES, ScenarioError, createFault, type Fault } from './mock-llm/faults/index.js'
export { MockLlmEngine, type ScenarioState } from './mock-llm/engine.js'
export { mockLlmHandlers } from './mock-llm/handlers.js'
export { loadScriptFixtures } from './mock-llm/scripts-file.js'
export type { CallRecord, MockLlmStats } from './mock-llm/stats.js'
export type { ScenarioInfo } from './mock-llm/catalogue.js'
export type { MockLlmOptions, ScriptFixture, ScriptReply, Outcome } from './mock-llm/types.js'
export { DEFAULT_MODELS, OUTCOMES } from './mock-llm/types.js'
