/**
 * `agentctl load` against framework agents whose every LLM call fails while the agent still
 * answers 200: an A2A task in state failed, an AI SDK UI-message stream `error` part, a LangGraph
 * SSE `event: error`. Counting status codes would report 0 % errors; the error rate must be ~100 %.
 */
import { describe, expect, it } from 'vitest'
import { frameworksSkipReason, runCli, withStack } from './support.js'

// bad-request: a 400 on every LLM call, which these frameworks do not retry, so each chat fails fast.
const CASES: Array<[agent: string, failureInside200: string]> = [
  ['a2a', 'a JSON-RPC 200 whose task ends in TASK_STATE_FAILED'],
  ['ai-sdk', 'a UI-message stream with an error part'],
  ['langgraph-stream', 'an SSE stream with event: error'],
]

describe.skipIf(frameworksSkipReason()).concurrent('load counts failures inside a 200 as errors', () => {
  it.each(CASES)('%s: %s', async (agentKey) => {
    await withStack(agentKey, async (stack) => {
      stack.mock.setScenario('bad-request')
      const run = await runCli(agentKey, stack, 'load', ['--connections', '2', '--duration', '3s', '--warmup', '0s', '--timeout', '10s', '--slo', 'error_rate<0.05'])
      const load = run.report.load as { requests?: number; errors?: number } | undefined
      const explain = `${agentKey}: load exit ${run.code} in ${run.wallMs} ms\n${run.stdout.slice(-2500)}\n${run.stderr.slice(-1500)}`
      console.log(`test/frameworks: load ${agentKey}: ${run.wallMs} ms wall`)
      const requests = load?.requests ?? 0
      const errors = load?.errors ?? 0
      expect(requests, explain).toBeGreaterThan(3)
      expect(errors / requests, explain).toBeGreaterThanOrEqual(0.95)
      // The error-rate SLO fails, so the run exits 1.
      expect(run.code, explain).toBe(1)
    })
  }, 300_000)
})
