/** --repeat: nondeterministic checks run N times from a prepared start and gate on their pass rate. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { resilienceOptions } from '../../checks/resilience-options.js'
import { runScenario } from '../../checks/resilience-session.js'
import type { Check, CheckOutcome } from '../../src/check.js'
import { type RunningAgent, runResilience, spawnFixtureAgent, startMock } from './support.js'

function scripted(verdicts: Array<'pass' | 'fail'>): { check: Check; prepared: () => number } {
  let run = 0
  const check: Check = {
    id: 'scripted', category: 'resilience', title: 'scripted verdicts', description: 'returns the scripted verdicts in turn', appliesTo: ['validate'], severity: 'fail', lock: 'mock-llm', options: resilienceOptions,
    run: (ctx) =>
      runScenario(ctx, async (s): Promise<CheckOutcome> => {
        const status = verdicts[run++ % verdicts.length]!
        // Every run starts prepared: the mock is healthy and the agent just answered through it.
        expect(s.primaryModel).toBe('gpt-4o-mini')
        return { status, message: `run ${run} ${status}`, evidence: { run } }
      }),
  }
  return { check, prepared: () => run }
}

describe('--repeat', () => {
  let mock: Awaited<ReturnType<typeof startMock>>
  let agent: RunningAgent
  beforeAll(async () => {
    mock = await startMock()
    agent = await spawnFixtureAgent('well-behaved', mock)
  })
  afterAll(async () => {
    await agent.stop()
    await mock.close()
  })

  it('passes when every run passes, with the runs as evidence', async () => {
    const { check, prepared } = scripted(['pass'])
    const { findings } = await runResilience(agent.url, mock, { checks: [check], options: { repeat: 3 } })
    expect(prepared()).toBe(3)
    expect(findings[0]).toMatchObject({ status: 'pass', message: expect.stringMatching(/^3\/3 runs passed/) })
    expect(findings[0]!.evidence.runs).toHaveLength(3)
  })

  it('gates on the pass rate: 2/3 fails at the default (all), passes at --min-pass-rate 0.6', async () => {
    const strict = scripted(['pass', 'fail', 'pass'])
    const failed = await runResilience(agent.url, mock, { checks: [strict.check], options: { repeat: 3 } })
    expect(failed.findings[0]).toMatchObject({ status: 'fail', message: expect.stringMatching(/^2\/3 runs passed \(needs 100%\): run 2 fail/) })
    const lenient = scripted(['pass', 'fail', 'pass'])
    const passed = await runResilience(agent.url, mock, { checks: [lenient.check], options: { repeat: 3, minPassRate: 0.6 } })
    expect(passed.findings[0]!.status).toBe('pass')
    expect(passed.findings[0]!.evidence.passRate).toBeCloseTo(2 / 3)
  })
})
