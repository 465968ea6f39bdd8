import { describe, expect, it } from 'vitest'
import { ApiError } from '../errors.js'
import { llmFailureToApiError } from './http-status.js'
import { LlmError } from './types.js'

describe('LLM failures as API errors', () => {
  it('never hands a key the provider echoed back to the caller, and bounds the upstream text', () => {
    const echoed = new LlmError('client', `401 Incorrect API key provided: sk-live-${'a1B2'.repeat(8)} ${'x'.repeat(2000)}`, { status: 401 })
    const mapped = llmFailureToApiError(echoed) as ApiError
    expect(mapped).toBeInstanceOf(ApiError)
    expect(mapped.status).toBe(502)
    const message = JSON.stringify(mapped.body())
    expect(message).toContain('Incorrect API key provided')
    expect(message).not.toContain('a1B2a1B2')
    expect(message.length).toBeLessThan(600)
  })

  it('maps a rate limit to 503 with the provider\'s Retry-After', () => {
    const mapped = llmFailureToApiError(new LlmError('rate_limited', 'slow down', { status: 429, retryAfterMs: 2500 })) as ApiError
    expect(mapped.status).toBe(503)
    expect(mapped.options.retryAfterSec).toBe(3)
  })
})
