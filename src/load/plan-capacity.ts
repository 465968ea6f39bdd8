import type { AgentctlError } from '../exit-codes.js'
import { parseDuration } from '../duration.js'
import { parsePercent, usage } from './inputs.js'
import { type LoadFlags, positive, positiveDuration } from './plan.js'

/**
 * The default time budget of the adaptive search: the whole command, server start-up and the
 * last step's drain included, ends within 3 minutes (issue 16).
 */
export const DEFAULT_SEARCH_BUDGET_MS = 165_000

/**
 * A capacity search: adaptive (default; search.ts) or the exhaustive linear ramp (--step-rps;
 * capacity.ts). harness/LOAD.md "The method".
 */
export interface CapacityPlan {
  search: 'adaptive' | 'linear'
  /** Adaptive: undefined = half the throughput ceiling the bursts measure (search.ts). Linear: the first step. */
  startRps?: number
  /** Linear only: rate added per step. */
  stepRps?: number
  /** Adaptive: the shortest measured window (steps grow with latency); linear: every window. */
  stepDurationMs: number
  maxRps: number
  /** Adaptive: narrow until broke/held - 1 is at most this. */
  resolution: number
  /** --max-duration: no step starts that would end past it. */
  budgetMs: number
}

interface Limits {
  maxRps: number
  maxDurationMs: number
  maxDuration: string
  warmupMs: number
  timeoutMs: number
}

export function resolveCapacity(flags: LoadFlags, limits: Limits, rpsCeiling: (value: number, flag: string) => void, tooLong: (what: string, ms: number, fix: string) => AgentctlError): CapacityPlan {
  const linear = flags['step-rps'] !== undefined
  positive(flags['start-rps'], '--start-rps')
  positive(flags['step-rps'], '--step-rps')
  positive(flags['max-rps'], '--max-rps')
  if (flags['start-rps'] !== undefined) rpsCeiling(flags['start-rps'], '--start-rps')
  if (flags['max-rps'] !== undefined) rpsCeiling(flags['max-rps'], '--max-rps')
  const maxRps = Math.min(flags['max-rps'] ?? limits.maxRps, limits.maxRps)
  const startRps = flags['start-rps'] ?? (linear ? 1 : undefined)
  if (startRps !== undefined && maxRps < startRps) throw usage(`--max-rps ${maxRps} is below --start-rps ${startRps}`)
  const stepDurationMs = positiveDuration(flags['step-duration'], linear ? '10s' : '5s', '--step-duration')
  const budgetMs = flags['max-duration'] !== undefined ? positiveDuration(flags['max-duration'], '3m', '--max-duration') : Math.min(limits.maxDurationMs, linear ? limits.maxDurationMs : DEFAULT_SEARCH_BUDGET_MS)
  if (budgetMs > limits.maxDurationMs) throw usage(`--max-duration ${flags['max-duration']} is above load.maxDuration (${limits.maxDuration})`, 'lower it, or raise load.maxDuration in agentctl.yaml')
  const resolution = flags.resolution !== undefined ? parsePercent(flags.resolution, '--resolution') : 0.1
  if (!(resolution > 0)) throw usage(`--resolution must be above 0 (got ${flags.resolution})`, 'e.g. --resolution 5%')
  if (linear) {
    // The linear ramp stops itself at the budget, but a single step must fit.
    const stepMs = limits.warmupMs + stepDurationMs + limits.timeoutMs
    if (stepMs > budgetMs) throw tooLong('one capacity step', stepMs, 'shorten --step-duration, --warmup or --timeout')
  } else if (limits.warmupMs + stepDurationMs > budgetMs) {
    throw usage(`one capacity step would take at least ${Math.round((limits.warmupMs + stepDurationMs) / 1000)}s (--warmup + --step-duration), above the search's ${Math.round(budgetMs / 1000)}s budget`, 'shorten --step-duration or --warmup, or raise --max-duration')
  }
  return { search: linear ? 'linear' : 'adaptive', ...(startRps !== undefined ? { startRps } : {}), ...(linear ? { stepRps: flags['step-rps'] } : {}), stepDurationMs, maxRps, resolution, budgetMs: Math.max(budgetMs, parseDuration('1s')) }
}
