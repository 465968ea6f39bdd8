import { countTokens } from 'gpt-tokenizer'
import { describe, expect, it } from 'vitest'
import { tokensOf } from './tokens.js'

describe('tokensOf', () => {
  it('counts ordinary text exactly', () => {
    const text = 'How many orders did we get yesterday, and what is that times 1.3?'
    expect(tokensOf(text)).toBe(countTokens(text))
  })

  it('estimates huge prompts within 10% and in bounded time, even without whitespace', () => {
    const prose = 'The agent keeps the system prompt and drops the oldest turns first. '.repeat(2_000)
    expect(Math.abs(tokensOf(prose) - countTokens(prose)) / countTokens(prose)).toBeLessThan(0.1)
    const started = performance.now()
    expect(tokensOf('x'.repeat(2 * 1024 * 1024))).toBeGreaterThan(1000)
    expect(performance.now() - started).toBeLessThan(2000)
  })
})
