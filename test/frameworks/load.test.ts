/**
 * `agentctl load` against framework agents whose every LLM call fails while the agent still
 * answers 200: an A2A task in state failed, an AI SDK UI-message stream `error` part, a LangGraph
 * SSE `event: error`. Counting status codes would report 0 % errors; the error rate must be ~100 %,
 * the failures classed as in-band errors, in both load models.
 */
import { describe, expect, it } from 'vitest'
import { frameworksSkipReason, runCli, withStack } from './support.js'

// bad-request: a 400 on every LLM call, which these frameworks do not retry, so each chat fails fast.
const AGENT_CASES: Array<[agent: string, failureInside200: string]> = [
  ['a2a', 'a JSON-RPC 200 whose task ends in TASK_STATE_FAILED'],
  ['ai-sdk', 'a UI-message stream with an error part'],
  ['langgraph-stream', 'an SSE stream with event: error'],
]
const MODES: Array<[mode: string, flags: string[]]> = [
  ['open model', ['--rate', '5']],
  ['closed model', ['--connections', '2']],
]
const CASES = AGENT_CASES.flatMap(([agent, what]) => MODES.map(([mode, flags]) => [agent, what, mode, flags] as const))

describe.skipIf(frameworksSkipReason()).concurrent('load counts failures inside a 200 as errors', () => {
  it.each(CASES)('%s (%s), %s', async (agentKey, _what, _mode, modeFlags) => {
    await withStack(agentKey, async (stack) => {
      stack.mock.setScenario('bad-request')
      const run = await runCli(agentKey, stack, 'load', [...modeFlags, '--duration', '3s', '--warmup', '0s', '--timeout', '10s', '--slo', 'error_rate<0.05'])
      const load = run.report.load as { requests?: number; errors?: number } | undefined
      const errorRate = run.report.findings?.find((f) => f.checkId === 'load-slo-error-rate') as { evidence?: { statuses?: Record<string, number> } } | undefined
      const explain = `${agentKey}: load exit ${run.code} in ${run.wallMs} ms; statuses ${JSON.stringify(errorRate?.evidence?.statuses)}\n${run.stdout.slice(-2500)}\n${run.stderr.slice(-1500)}`
      console.log(`test/frameworks: load ${agentKey} ${modeFlags.join(' ')}: ${run.wallMs} ms wall`)
      const requests = load?.requests ?? 0
      expect(requests, explain).toBeGreaterThan(3)
      expect((load?.errors ?? 0) / requests, explain).toBeGreaterThanOrEqual(0.95)
      // The failures are the LLM's, inside a 200 (not a route the agent does not serve).
      expect((errorRate?.evidence?.statuses?.['in-band-error'] ?? 0) / requests, explain).toBeGreaterThanOrEqual(0.95)
      expect(run.code, explain).toBe(1)
    })
  }, 300_000)
})
