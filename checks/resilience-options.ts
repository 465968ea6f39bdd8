import { z } from 'zod'
import { DEFAULT_MAX_RECOVERY } from '../src/config/schema.js'
import { parseDuration } from '../src/duration.js'

/**
 * The options of the resilience family (every check that drives the mock LLM through a Session),
 * with their defaults. validate passes maxRecoveryMs, repeat and minPassRate; tests tighten the
 * budgets.
 */
export const resilienceOptions = z.strictObject({
  /** Bound on every wait for an agent to recover (breaker half-open, limiter window); validate.maxRecovery. */
  maxRecoveryMs: z.number().positive().default(parseDuration(DEFAULT_MAX_RECOVERY)),
  /** --repeat: how many times nondeterministic checks run. */
  repeat: z.number().int().min(1).default(1),
  /** Share of repeated runs that must pass (default 1: all). */
  minPassRate: z.number().gt(0).max(1).default(1),
  /** Client-side deadline for one chat request. */
  requestTimeoutMs: z.number().positive().default(30_000),
  /** The longest an agent may take to answer while its LLM hangs (default: from slo.p95Ms, see Session). */
  hangBudgetMs: z.number().positive().optional(),
  /** Overrides the mock's control URL (default from faults.mockLlm). */
  mockUrl: z.string().optional(),
})

export type ResilienceOptions = z.output<typeof resilienceOptions>
