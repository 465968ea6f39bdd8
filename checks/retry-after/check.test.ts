import { describe, expect, it } from 'vitest'
import { judgeFixtures } from '../../test/validate/support.js'
import { retryAfterCheck } from './check.js'

describe('retry-after', () => {
  it('passes an agent that waits for Retry-After; fails one that retries at once, with the timing', async () => {
    const [good, bad] = await judgeFixtures(retryAfterCheck, [{ fixture: 'well-behaved' }, { fixture: 'ignores-retry-after' }])
    expect(good!.status, good!.message).toBe('pass')
    expect(good!.evidence.retryGapMs).toBeGreaterThanOrEqual(950)
    expect(bad!.status, bad!.message).toBe('fail')
    expect(bad!.evidence.retryGapMs).toBeLessThan(950)
    expect(bad!.message).toMatch(/retried a 429 after \d+ms although the LLM said Retry-After: 1s/)
  })

  it('fails an agent that never retries a rate-limited call', async () => {
    const [finding] = await judgeFixtures(retryAfterCheck, [{ fixture: 'well-behaved', env: { LLM_MAX_RETRIES: '0', LLM_FALLBACK_MODELS: '' } }])
    // It does pass the limit on (503 + Retry-After), which is a warning, not a pass.
    expect(finding!.status, finding!.message).not.toBe('pass')
    expect(finding!.message).toMatch(/did not retry a rate-limited LLM call/)
  })
})
