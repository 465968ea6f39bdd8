import { describe, expect, it } from 'vitest'
import { judgeFixtures } from '../../test/validate/support.js'
import { noRetryPermanentErrorsCheck } from './check.js'

describe('no-retry-permanent-errors', () => {
  it('passes an agent that gives up on 400/quota/content-filter; fails one that retries them', async () => {
    const [good, bad] = await judgeFixtures(noRetryPermanentErrorsCheck, [{ fixture: 'well-behaved' }, { fixture: 'retries-permanent-errors' }])
    expect(good!.status, good!.message).toBe('pass')
    expect(bad!.status, bad!.message).toBe('fail')
    for (const what of ['HTTP 400', 'insufficient_quota', 'content-filter']) expect(bad!.message).toContain(what)
  })
})
