import { describe, expect, it } from 'vitest'
import { sleep } from './sleep.js'

describe('sleep', () => {
  it('resolves after the time, and leaves no listener on the signal', async () => {
    const controller = new AbortController()
    let added = 0
    let removed = 0
    const { signal } = controller
    const add = signal.addEventListener.bind(signal)
    const remove = signal.removeEventListener.bind(signal)
    signal.addEventListener = ((...args: Parameters<typeof add>) => (added++, add(...args))) as typeof add
    signal.removeEventListener = ((...args: Parameters<typeof remove>) => (removed++, remove(...args))) as typeof remove
    const t0 = performance.now()
    await sleep(30, signal)
    expect(performance.now() - t0).toBeGreaterThanOrEqual(25)
    expect([added, removed]).toEqual([1, 1])
  })

  it('rejects with the reason as soon as the signal aborts, or at once when it already has', async () => {
    const controller = new AbortController()
    const reason = new Error('interrupted by Ctrl-C')
    const t0 = performance.now()
    setTimeout(() => controller.abort(reason), 20)
    await expect(sleep(10_000, controller.signal)).rejects.toBe(reason)
    expect(performance.now() - t0).toBeLessThan(1000)
    await expect(sleep(10_000, controller.signal)).rejects.toBe(reason)
  })
})
