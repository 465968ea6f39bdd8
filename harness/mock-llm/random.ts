/** Seeded randomness: the same --seed and the same call order give the same responses. */

/** mulberry32: tiny, fast and good enough for jitter and coin flips. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** FNV-1a: a stable 32-bit hash so choices depend on (seed, message) and not on call order. */
export function hash32(text: string, seed = 0): number {
  let h = (0x811c9dc5 ^ seed) >>> 0
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h
}

/** A standard normal sample (Box-Muller). */
function normal(rand: () => number): number {
  const u = Math.max(rand(), 1e-12)
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand())
}

/**
 * A latency drawn from a log-normal fitted to p50 and p95 — LLM latencies are right-skewed,
 * so a normal distribution would give too few slow outliers.
 */
export function lognormalMs(rand: () => number, p50: number, p95: number): number {
  const mu = Math.log(Math.max(p50, 1))
  const sigma = Math.max(Math.log(Math.max(p95, p50 + 1) / Math.max(p50, 1)) / 1.6449, 1e-6)
  return Math.max(0, Math.round(Math.exp(mu + sigma * normal(rand))))
}

export function uniformMs(rand: () => number, low: number, high: number): number {
  return Math.round(low + (high - low) * rand())
}
