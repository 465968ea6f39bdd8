import type { MockLlmPlan } from '../../src/load/plan.js'

export interface SelfStack {
  agentUrl: string
  mockUrl: string
  stop: () => Promise<void>
}

/**
 * Agent settings for a load run: the per-key rate limit would otherwise cap the measured rate
 * (the number would describe the limiter, not the agent), a long LLM timeout keeps slow mock
 * latencies from turning into errors, and no API keys (an inherited AGENT_API_KEYS would make
 * every request a 401).
 */
export const SELF_AGENT_ENV: Record<string, string | undefined> = {
  RATE_LIMIT_PER_MINUTE: '10000000',
  LLM_TIMEOUT_MS: '120000',
  AGENT_API_KEYS: undefined,
  LOG_LEVEL: 'warn',
}

/** Starts the reference agent (a child process, embedded memory/database) wired to the harness mock LLM. */
export async function startSelfStack(mock: MockLlmPlan): Promise<SelfStack> {
  // Imported here: the stack launcher pulls in the mock LLM, which `load` against an external target never needs.
  const [{ startStack }, { claimDataDir }] = await Promise.all([import('../stack.js'), import('../self-stack.js')])
  // The embedded PostgreSQL directory is claimed (pid lock): two agents on one PGlite directory
  // corrupt it, and a user may be running `agentctl agent start` in the same folder.
  const data = claimDataDir('.agentctl/load-data')
  const stack = await startStack({
    mockLlm: {
      ...(mock.latency ? { latency: mock.latency } : {}),
      ...(mock.scenario ? { scenario: mock.scenario, scenarioParams: mock.scenarioParams } : {}),
      ...(mock.seed !== undefined ? { seed: mock.seed } : {}),
    },
    agentEnv: { ...SELF_AGENT_ENV, AGENT_DATA_DIR: data.dir },
    embedded: true,
  }).catch((error: unknown) => {
    data.release()
    throw error
  })
  return { agentUrl: stack.agentUrl, mockUrl: stack.mock.baseUrl, stop: () => stack.stop().finally(() => data.release()) }
}
