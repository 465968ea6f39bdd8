/**
 * What the demo runs its three jobs with: an in-memory config for the started stack, the capacity
 * search's shape, and the warm-up of a freshly started agent. The demo never reads the user's config.
 */
import { join } from 'node:path'
import { type AgentctlConfig, ConfigSchema } from '../../src/config/schema.js'
import type { LoadFlags } from '../../src/load/plan.js'
import { packageRoot } from '../../src/paths.js'
import type { SelfStack } from '../../harness/self-stack.js'

/** The SLO and the traffic the demo plans for; they appear in the report's load section. */
export const DEMO_SLO = ['p95<1500', 'error_rate<0.01']
export const DEMO_TARGET_RPS = 50
/** A realistic provider round trip for the load phase: the knee then comes from the agent, not the mock. */
export const LOAD_MOCK_LATENCY_MS = 200

/**
 * The capacity search, written as the load plan's own typed input (resolvePlan validates it as it
 * does the user's flags): short steps (at most 11 x 4 s) over a range wide enough that a fast
 * machine still finds its knee. The first step offers enough requests (20+) that one late
 * completion cannot fail the 90%-of-offered rule on its own.
 */
const CAPACITY: LoadFlags = { 'find-capacity': true, timeout: '10s', slo: DEMO_SLO, 'target-rps': DEMO_TARGET_RPS }
export const FULL_CAPACITY: LoadFlags = { ...CAPACITY, 'start-rps': 10, 'step-rps': 15, 'max-rps': 160, 'step-duration': '3s', warmup: '1s' }
/** --quick (tests): three short steps. */
export const QUICK_CAPACITY: LoadFlags = { ...CAPACITY, 'start-rps': 10, 'step-rps': 10, 'max-rps': 30, 'step-duration': '2s', warmup: '500ms' }

/** An agentctl.yaml equivalent for the running stack, built in memory. */
export function demoConfig(stack: SelfStack): AgentctlConfig {
  return ConfigSchema.parse({
    target: { url: stack.agentUrl, apiKey: stack.apiKey },
    dependencies: { llm: { baseUrl: stack.mock.baseUrl, apiKey: 'sk-agentctl-self-mock', model: 'gpt-4o-mini' } },
    faults: { mockLlm: { port: stack.mock.port, host: '127.0.0.1' } },
    // The shipped Kubernetes manifests, so the manifest lint has something real to read.
    validate: { manifests: [join(packageRoot(), 'deploy', '*.yaml')], maxRecovery: '15s', models: ['gpt-4o-mini', 'gpt-4.1-mini'] },
    slo: { p95Ms: 1500, errorRate: 0.01 },
    budget: { dailyUsd: 50 },
  })
}

export const demoTarget = (stack: SelfStack) => `reference agent ${stack.agentUrl} (embedded PGlite, mock LLM ${stack.mock.baseUrl})`

/**
 * A just-started agent is cold (JIT, the first database round trips, connection pools), and the
 * capacity search stops at its first failing step: a cold first step would report a capacity of
 * zero. A few chats first, as a real rollout's readiness traffic would.
 */
export async function warmUp(chatUrl: string, apiKey: string, signal: AbortSignal, requests = 12, concurrency = 3): Promise<void> {
  let sent = 0
  const worker = async () => {
    while (sent < requests && !signal.aborted) {
      sent += 1
      await fetch(chatUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
        body: JSON.stringify({ message: `warm-up ${sent}: what is 2 + 2?` }),
        signal: AbortSignal.any([signal, AbortSignal.timeout(10_000)]),
      })
        .then((res) => res.arrayBuffer())
        .catch(() => undefined) // a failed warm-up chat shows up in the measured steps, where it counts
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
}
