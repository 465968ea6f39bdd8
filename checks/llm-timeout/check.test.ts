import { describe, expect, it } from 'vitest'
import { judgeFixtures } from '../../test/validate/support.js'
import { llmTimeoutCheck } from './check.js'

describe('llm-timeout', () => {
  it('passes an agent with LLM deadlines; fails one that hangs with the LLM', async () => {
    const [good, bad] = await judgeFixtures(llmTimeoutCheck, [{ fixture: 'well-behaved' }, { fixture: 'no-timeout', options: { hangBudgetMs: 3000 } }])
    expect(good!.status, good!.message).toBe('pass')
    expect(good!.evidence.duringHang).toMatchObject({ status: 504 })
    expect(bad!.status, bad!.message).toBe('fail')
    expect(bad!.message).toMatch(/gave no answer within 3.00s/)
  })
})
