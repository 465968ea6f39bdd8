import { describe, expect, it } from 'vitest'
import { callsSince, type Exchange, type MockCall, type MockStats, retryAfterMs } from '../../checks/resilience-support.js'

const call = (seq: number): MockCall => ({ seq, t: 1000 + seq, model: 'm', scenario: 'healthy', outcome: 'ok', status: 200, stream: false })
const stats = (seqs: number[], total = seqs.length): MockStats => ({ scenario: 'healthy', total, byModel: {}, byOutcome: {}, calls: seqs.map(call) })
const withHeader = (value?: string) => ({ headers: value === undefined ? {} : { 'retry-after': value } }) as unknown as Exchange

describe('resilience support', () => {
  it('attributes to a request exactly the calls logged after its snapshot', () => {
    expect(callsSince(stats([1, 2]), stats([1, 2, 3, 4])).map((c) => c.seq)).toEqual([3, 4])
    expect(callsSince(stats([]), stats([1]))).toHaveLength(1)
    // A reset in between restarts seq: everything in the new log is new.
    expect(callsSince(stats([1, 2, 3]), stats([1]))).toHaveLength(1)
  })

  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(retryAfterMs(withHeader('2'))).toBe(2000)
    expect(retryAfterMs(withHeader('0.5'))).toBe(500)
    expect(retryAfterMs(withHeader(new Date(Date.now() + 5000).toUTCString()))).toBeGreaterThan(3000)
    expect(retryAfterMs(withHeader('soon'))).toBeUndefined()
    expect(retryAfterMs(withHeader())).toBeUndefined()
  })
})
