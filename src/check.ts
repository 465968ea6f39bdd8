import type { z } from 'zod'
import type { AgentctlConfig } from './config/schema.js'
import type { Category, Evidence, Status } from './report.js'

export type CheckMode = 'validate' | 'diagnose'

export interface CheckContext {
  mode: CheckMode
  /** The resolved config. It still holds secrets (checks need them); every output path redacts. */
  config: AgentctlConfig
  /** Aborted at the check's deadline or when the user presses Ctrl-C. Pass it to every I/O call. */
  signal: AbortSignal
  /** This check's budget in milliseconds; size inner probe timeouts below it. */
  timeoutMs: number
  /**
   * performance.now() when the runner started this check's clock. Concurrent checks start their
   * run() a little after the clock (others' synchronous work comes first); probes size their
   * deadline from this so they finish, with their own precise message, before the runner's.
   */
  startedAt?: number
  /** This check's options, parsed by the runner through the check's `options` schema (defaults applied). */
  options: Readonly<Record<string, unknown>>
  /** State shared by the checks of one run (for example a mock-LLM control client). */
  shared: Map<string, unknown>
  log: (message: string) => void
}

/** What a check reports; the runner adds id, category, severity and timing to make a Finding. */
export interface CheckOutcome {
  status: Status
  message: string
  /** Overrides the check's title, for checks that report several subjects (one per manifest, say). */
  title?: string
  evidence?: Evidence
  /** What to do about it, ideally with a ready command (kubectl ..., redis-cli ..., psql ...). */
  remediation?: string
}

export interface Check {
  /** kebab-case, equal to the check's folder name under checks/. */
  id: string
  category: Category
  /** A check used by both commands may file under a different category in each (dependencies vs connectivity). */
  categoryByMode?: Partial<Record<CheckMode, Category>>
  title: string
  /** One line for `--help`, the README catalogue and reports. */
  description: string
  appliesTo: readonly CheckMode[]
  /** How a failure counts by default: 'fail' gates, 'warn' only warns. Config `checks:` overrides it. */
  severity: 'warn' | 'fail'
  /** Default budget; the command's --timeout applies when this is absent. */
  timeoutMs?: number
  /**
   * Checks that share a lock name run one after another (e.g. all checks that switch the mock LLM's
   * scenario); everything else runs concurrently.
   */
  lock?: string
  /**
   * The options this check reads, with their defaults (ESLint's `meta.schema` + `defaultOptions`):
   * a zod object. The runner parses the run's options through it; a key no check of the run
   * declares is an error (docs/ARCHITECTURE.md "The shape of one check"). Use defineCheck() to
   * get `ctx.options` typed from it.
   */
  options?: CheckOptionsSchema
  run(ctx: CheckContext): Promise<CheckOutcome | CheckOutcome[]>
}

export type CheckOptionsSchema = z.ZodObject

/** A check whose `run` reads `ctx.options` typed (and defaulted) by its own options schema. */
export function defineCheck<S extends CheckOptionsSchema>(
  check: Omit<Check, 'options' | 'run'> & { options: S; run(ctx: Omit<CheckContext, 'options'> & { options: z.output<S> }): Promise<CheckOutcome | CheckOutcome[]> },
): Check {
  return check as unknown as Check
}

/** Small helpers so checks read well. */
export const outcome = {
  pass: (message: string, evidence?: Evidence): CheckOutcome => ({ status: 'pass', message, evidence }),
  warn: (message: string, remediation: string, evidence?: Evidence): CheckOutcome => ({ status: 'warn', message, remediation, evidence }),
  fail: (message: string, remediation: string, evidence?: Evidence): CheckOutcome => ({ status: 'fail', message, remediation, evidence }),
  skip: (message: string, evidence?: Evidence): CheckOutcome => ({ status: 'skip', message, evidence }),
}
