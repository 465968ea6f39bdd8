import { describe, expect, it } from 'vitest'
import type { CheckContext } from '../src/check.js'
import { ConfigSchema } from '../src/config/schema.js'
import { advise, frameworkOf, noteFramework } from './remediation.js'

const ctx = (target: Record<string, unknown> = {}, options: Record<string, unknown> = {}) =>
  ({ config: ConfigSchema.parse({ target }), options, shared: new Map(), signal: new AbortController().signal, timeoutMs: 1000, mode: 'validate', log: () => {} }) as unknown as CheckContext

describe('framework-aware remediation', () => {
  it('a foreign agent with no evident framework gets generic advice, never the reference agent settings', () => {
    const c = ctx()
    expect(frameworkOf(c)).toBeUndefined()
    for (const topic of ['fallback', 'breaker', 'timeout', 'retry-after', 'bounded-retries', 'permanent-errors'] as const) {
      expect(advise(c, topic)).not.toMatch(/LLM_FALLBACK_MODELS|cockatiel/)
    }
  })
  it('validate --self names the reference agent settings', () => {
    expect(advise(ctx({}, { self: true }), 'fallback')).toMatch(/LLM_FALLBACK_MODELS/)
    expect(advise(ctx({}, { self: true }), 'breaker')).toMatch(/cockatiel/)
  })
  it('target.framework names that framework\'s own setting', () => {
    expect(advise(ctx({ framework: 'langchain' }), 'fallback')).toMatch(/withFallbacks/)
    expect(advise(ctx({ framework: 'mastra' }), 'fallback')).toMatch(/model: \[\{ model: primary, maxRetries: 1 \}/)
    expect(advise(ctx({ framework: 'openai-agents' }), 'timeout')).toMatch(/modelSettings: \{ timeoutMs/)
    expect(advise(ctx({ framework: 'ai-sdk' }), 'timeout')).toMatch(/abortSignal/)
  })
  it('a framework the answers gave away (AI SDK stream parts) is used when the config names none; A2A is not a framework', () => {
    const c = ctx()
    noteFramework(c, 'a2a')
    expect(frameworkOf(c)).toBeUndefined()
    noteFramework(c, 'ai-sdk')
    expect(advise(c, 'bounded-retries')).toMatch(/maxRetries/)
  })
})
