import { describe, expect, it } from 'vitest'
import { mapBounded } from './orchestrator.js'

describe('tool calls of one answer', () => {
  it('run at most `limit` at once and keep their order', async () => {
    let running = 0
    let peak = 0
    const results = await mapBounded([30, 5, 20, 1, 10, 2, 8], 3, async (ms) => {
      peak = Math.max(peak, ++running)
      await new Promise((r) => setTimeout(r, ms))
      running--
      return ms * 2
    })
    expect(results).toEqual([60, 10, 40, 2, 20, 4, 16])
    expect(peak).toBe(3)
  })

  it('handles no calls and fails like Promise.all', async () => {
    expect(await mapBounded([], 4, async () => 1)).toEqual([])
    await expect(mapBounded([1, 2], 4, async (n) => (n === 2 ? Promise.reject(new Error('boom')) : n))).rejects.toThrow('boom')
  })
})
