import { describe, expect, it } from 'vitest'
import { deadline } from './deadline.js'

describe('deadline', () => {
  it('aborts with a TimeoutError when the time is up, and says so', async () => {
    const d = deadline(20)
    await new Promise((resolve) => d.signal.addEventListener('abort', resolve, { once: true }))
    expect(d.timedOut).toBe(true)
    expect((d.signal.reason as DOMException).name).toBe('TimeoutError')
    d.dispose()
  })

  it('follows its parent at once, with the parent\'s reason, and is not a timeout', () => {
    const parent = new AbortController()
    const d = deadline(60_000, parent.signal)
    parent.abort(new Error('client gone'))
    expect(d.signal.aborted).toBe(true)
    expect((d.signal.reason as Error).message).toBe('client gone')
    expect(d.timedOut).toBe(false)
    d.dispose()
  })

  it('starts aborted under an aborted parent', () => {
    const parent = new AbortController()
    parent.abort()
    expect(deadline(60_000, parent.signal).signal.aborted).toBe(true)
  })

  it('after dispose, neither the timer nor the parent aborts it', async () => {
    const parent = new AbortController()
    const d = deadline(10, parent.signal)
    d.dispose()
    await new Promise((resolve) => setTimeout(resolve, 30))
    parent.abort()
    expect(d.signal.aborted).toBe(false)
    expect(d.timedOut).toBe(false)
  })
})
