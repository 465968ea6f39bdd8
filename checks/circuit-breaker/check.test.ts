import { describe, expect, it } from 'vitest'
import { judgeFixtures } from '../../test/validate/support.js'
import { circuitBreakerCheck } from './check.js'

describe('circuit-breaker', () => {
  it('passes an agent whose breaker opens and closes; fails an agent without one, with the call counts', async () => {
    const [good, bad] = await judgeFixtures(circuitBreakerCheck, [{ fixture: 'well-behaved' }, { fixture: 'no-breaker' }])
    expect(good!.status, good!.message).toBe('pass')
    expect(good!.evidence.recovery).toMatchObject({ closed: true })
    expect((good!.evidence.llmCallsPerRequest as number[]).filter((n) => n === 0).length).toBeGreaterThanOrEqual(5)
    expect(bad!.status, bad!.message).toBe('fail')
    expect(bad!.message).toMatch(/kept calling the failing LLM: 30 requests made \d+ LLM calls/)
    expect((bad!.evidence.llmCallsPerRequest as number[]).every((n) => n > 0)).toBe(true)
  })

  it('trips a breaker with a high threshold (10 consecutive failures, no retries)', async () => {
    const [finding] = await judgeFixtures(circuitBreakerCheck, [{ fixture: 'well-behaved', env: { BREAKER_THRESHOLD: '10', LLM_MAX_RETRIES: '0' } }])
    expect(finding!.status, finding!.message).toBe('pass')
  })

  it("never mistakes the agent's own rate limiter (zero-call 429s) for an open breaker", async () => {
    const [finding] = await judgeFixtures(circuitBreakerCheck, [{ fixture: 'no-breaker', env: { RATE_LIMIT_PER_MINUTE: '8' }, options: { maxRecoveryMs: 2000 } }])
    expect(finding!.status, finding!.message).toBe('error')
    expect(finding!.message).toMatch(/own rate limiter \(HTTP 429 before any LLM call\) kept refusing the validator/)
  })
})
