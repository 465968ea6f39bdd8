import { describe, expect, it } from 'vitest'
import { judgeFixtures } from '../../test/validate/support.js'
import { badLlmOutputCheck } from './check.js'

describe('bad-llm-output', () => {
  it('passes an agent that validates LLM output; fails one that crashes on malformed JSON', async () => {
    const [good, bad] = await judgeFixtures(badLlmOutputCheck, [{ fixture: 'well-behaved' }, { fixture: 'crashes-on-malformed-output' }])
    expect(good!.status, good!.message).toBe('pass')
    expect((good!.evidence.cases as unknown[]).length).toBe(5)
    expect(bad!.status, bad!.message).toBe('fail')
    expect(bad!.message).toMatch(/malformed-json: the agent crashed or dropped the connection .*health afterwards: ECONNREFUSED/)
  })
})
