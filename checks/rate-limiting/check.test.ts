import { describe, expect, it } from 'vitest'
import { judgeFixtures } from '../../test/validate/support.js'
import { rateLimitingCheck } from './check.js'

describe('rate-limiting', () => {
  it('passes a limiter answering 429 + Retry-After; warns when a burst is never limited', async () => {
    const [good, unlimited] = await judgeFixtures(rateLimitingCheck, [
      { fixture: 'well-behaved', env: { RATE_LIMIT_PER_MINUTE: '20' } },
      { fixture: 'well-behaved', env: { RATE_LIMIT_PER_MINUTE: '0' }, options: { rateLimitProbeRequests: 40 } },
    ])
    expect(good!.status, good!.message).toBe('pass')
    expect(good!.message).toMatch(/429 with Retry-After: \d+/)
    expect(unlimited!.status, unlimited!.message).toBe('warn')
    expect(unlimited!.evidence.requestsSent).toBe(40)
  })
})
