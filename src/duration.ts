import { AgentctlError } from './exit-codes.js'

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/

/** Parses '250ms', '5s', '2m', '1h' (a bare number means milliseconds). */
export function parseDuration(text: string | number, what = 'duration'): number {
  if (typeof text === 'number') return text
  const trimmed = text.trim()
  if (/^\d+$/.test(trimmed)) return Number(trimmed)
  const match = DURATION.exec(trimmed)
  if (!match) {
    throw new AgentctlError(`invalid ${what} "${text}"`, 2, 'use a number with a unit: 250ms, 5s, 2m or 1h')
  }
  return Math.round(Number(match[1]) * UNIT_MS[match[2]!]!)
}

/** Parses a range such as '800ms..2s' into [low, high] milliseconds. */
export function parseDurationRange(text: string, what = 'duration range'): [number, number] {
  const [low, high, ...rest] = text.split('..')
  if (rest.length > 0 || low === undefined) throw new AgentctlError(`invalid ${what} "${text}"`, 2, 'write it as 800ms..2s or a single duration')
  const lowMs = parseDuration(low, what)
  const highMs = high === undefined ? lowMs : parseDuration(high, what)
  if (highMs < lowMs) throw new AgentctlError(`invalid ${what} "${text}": the upper bound is below the lower`, 2)
  return [lowMs, highMs]
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)}s`
  return `${(ms / 60_000).toFixed(1)}m`
}
