/**
 * No false verdicts: the whole resilience suite against each deliberately broken agent fails it on
 * exactly the check for its defect, and passes the well-behaved control on everything.
 */
import { describe, expect, it } from 'vitest'
import { explain, runResilience, spawnFixtureAgent, startMock } from './support.js'

const EXPECTED: Array<[fixture: string, failingCheck: string | undefined, alsoUnjudgeable?: string[]]> = [
  ['well-behaved', undefined],
  ['no-breaker', 'circuit-breaker'],
  ['retries-permanent-errors', 'no-retry-permanent-errors'],
  ['ignores-retry-after', 'retry-after'],
  ['liveness-calls-llm', 'liveness-isolation'],
  ['no-timeout', 'llm-timeout'],
  // The process is dead after its crash, so the checks after it can't run (error, not pass or fail).
  ['crashes-on-malformed-output', 'bad-llm-output', ['rate-limiting']],
]

describe.concurrent('validate resilience verdicts on fixture agents', () => {
  it.each(EXPECTED)('%s fails only %s', async (fixture, failingCheck, unjudgeable = []) => {
    const mock = await startMock()
    const agent = await spawnFixtureAgent(fixture, mock)
    try {
      const { findings } = await runResilience(agent.url, mock)
      const report = explain(findings)
      expect(findings.length, report).toBe(9)
      for (const f of findings) {
        if (f.checkId === failingCheck) expect(f.status, report).toBe('fail')
        else if (unjudgeable.includes(f.checkId)) expect(f.status, report).toBe('error')
        else expect(f.status, report).toBe('pass')
      }
      for (const f of findings) if (f.status === 'fail') expect(f.remediation.length, f.checkId).toBeGreaterThan(20)
    } finally {
      await agent.stop()
      await mock.close()
    }
  }, 120_000)
})
