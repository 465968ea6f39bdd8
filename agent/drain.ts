/**
 * Counts in-flight chats so shutdown can wait for them. fastify.close() only waits for sockets;
 * a handler whose client already left keeps running, and closing the pools under it would turn
 * its commit into an error instead of a clean finish.
 */
export class InFlight {
  private count = 0
  private waiters: Array<() => void> = []

  async track<T>(work: () => Promise<T>): Promise<T> {
    this.count++
    try {
      return await work()
    } finally {
      if (--this.count === 0) for (const wake of this.waiters.splice(0)) wake()
    }
  }

  get size(): number {
    return this.count
  }

  /** Resolves when nothing is in flight, or after `timeoutMs` (returns false then). */
  idle(timeoutMs: number): Promise<boolean> {
    if (this.count === 0) return Promise.resolve(true)
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs)
      this.waiters.push(() => {
        clearTimeout(timer)
        resolve(true)
      })
    })
  }
}
