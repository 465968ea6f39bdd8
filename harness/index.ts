/**
 * agentctl-cli/harness — an OpenAI-compatible mock LLM with a fault catalogue, for your own tests.
 *
 *   import { createMockLlm, faults } from 'agentctl-cli/harness'
 *
 * In-process (msw setupServer): createMockLlm(). As a real HTTP server: startMockLlmServer().
 * A remote mock (agentctl mock-llm): new MockLlmControl('http://127.0.0.1:4010').
 */
export { createMockLlm, IN_PROCESS_ORIGIN, type InProcessMockLlm } from './mock-llm/in-process.js'
export { startMockLlmServer, type MockLlmServer } from './mock-llm/server.js'
export { MockLlmControl, MockLlmControlError } from './mock-llm/control-client.js'
export { faults, SCENARIOS, SCENARIO_NAMES, ScenarioError, createFault, type Fault } from './mock-llm/faults/index.js'
export { MockLlmEngine, type ScenarioState } from './mock-llm/engine.js'
export { mockLlmHandlers } from './mock-llm/handlers.js'
export { loadScriptFixtures } from './mock-llm/scripts-file.js'
export type { CallRecord, MockLlmStats } from './mock-llm/stats.js'
export type { ScenarioInfo } from './mock-llm/catalogue.js'
export type { MockLlmOptions, ScriptFixture, ScriptReply, Outcome } from './mock-llm/types.js'
export { DEFAULT_MODELS, OUTCOMES } from './mock-llm/types.js'
