import { describe, expect, it } from 'vitest'
import { judgeFixtures } from '../../test/validate/support.js'
import { modelFallbackCheck } from './check.js'

describe('model-fallback', () => {
  it('passes when the fallback model answers; fails an agent with no fallback model', async () => {
    const [good, single] = await judgeFixtures(modelFallbackCheck, [{ fixture: 'well-behaved' }, { fixture: 'well-behaved', env: { LLM_FALLBACK_MODELS: '' } }])
    expect(good!.status, good!.message).toBe('pass')
    expect(good!.message).toMatch(/gpt-4.1-mini answered on the first request/)
    expect(single!.status, single!.message).toBe('fail')
    expect(single!.message).toMatch(/never tried another model in 12 requests/)
  })
})
