import { describe, expect, it } from 'vitest'
import { judgeFixtures } from '../../test/validate/support.js'
import { livenessIsolationCheck } from './check.js'

describe('liveness-isolation', () => {
  it('passes a process-level liveness; fails a liveness that calls the LLM', async () => {
    const [good, bad] = await judgeFixtures(livenessIsolationCheck, [{ fixture: 'well-behaved' }, { fixture: 'liveness-calls-llm' }])
    expect(good!.status, good!.message).toBe('pass')
    expect(bad!.status, bad!.message).toBe('fail')
    expect(bad!.message).toMatch(/liveness does not survive an LLM outage \(LLM error-storm: 503/)
    // Even while healthy, the evidence shows the liveness probe costing an LLM call.
    expect((bad!.evidence.probes as Array<{ llm: string; llmCalls: number }>).find((p) => p.llm === 'healthy')!.llmCalls).toBe(1)
  })
})
