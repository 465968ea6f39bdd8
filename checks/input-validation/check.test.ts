import { describe, expect, it } from 'vitest'
import { judgeFixtures } from '../../test/validate/support.js'
import { inputValidationCheck } from './check.js'

describe('input-validation', () => {
  it('passes an agent that rejects bad input with 4xx; fails one whose body limit lets 2 MiB reach the LLM', async () => {
    const [good, bad] = await judgeFixtures(inputValidationCheck, [{ fixture: 'well-behaved' }, { fixture: 'well-behaved', env: { MAX_BODY_BYTES: String(8 * 1024 * 1024) } }])
    expect(good!.status, good!.message).toBe('pass')
    expect(bad!.status, bad!.message).toBe('fail')
    expect(bad!.message).toMatch(/oversized \(2 MiB\): reached the LLM/)
  })
})
