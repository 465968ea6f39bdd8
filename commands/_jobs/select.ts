import { catalogue } from '../../checks/index.js'
import type { Check, CheckMode } from '../../src/check.js'
import type { AgentctlConfig } from '../../src/config/schema.js'
import { closest } from '../../src/config/load.js'
import { AgentctlError, ExitCode } from '../../src/exit-codes.js'
import { DIAGNOSE_CATEGORIES, VALIDATE_CATEGORIES } from '../../src/report.js'
import { selectChecks } from '../../src/runner.js'

const CATEGORIES: Record<CheckMode, readonly string[]> = { validate: VALIDATE_CATEGORIES, diagnose: DIAGNOSE_CATEGORIES }

/** The checks of one job after --only/--skip; a selection that keeps nothing is a usage error naming what exists. */
export function selectOrThrow(mode: CheckMode, only: readonly string[] = [], skip: readonly string[] = []): Check[] {
  const checks = selectChecks(catalogue, { mode, only, skip })
  if (checks.length > 0) return checks
  const known = catalogue.filter((c) => c.appliesTo.includes(mode)).map((c) => c.id)
  const names = [...CATEGORIES[mode], ...known]
  // Only the flags the user gave, and a "did you mean" for each name that is neither a check nor a category.
  const given = [only.length ? `--only ${only.join(',')}` : '', skip.length ? `--skip ${skip.join(',')}` : ''].filter(Boolean).join(' ')
  const guesses = [...only, ...skip].filter((name) => !names.includes(name)).flatMap((name) => {
    const near = closest(name, names)
    return near ? [`did you mean ${near} (not ${name})?`] : []
  })
  throw new AgentctlError(`no ${mode} check matches ${given || 'the selection'}`, ExitCode.UsageOrInternal, [...guesses, `categories: ${CATEGORIES[mode].join(', ')}; checks: ${known.join(', ')}`].join(' '))
}

/** What a check job (validate, diagnose) runs with, besides its own options. */
export interface ChecksJob<Options> {
  config: AgentctlConfig
  checks: readonly Check[]
  /** Budget per check (--timeout); a check with a larger budget of its own keeps it. */
  timeoutMs: number
  options: Options
  version: string
  /** The report's target line (already display-safe). */
  target: string
  signal: AbortSignal
  progress?(text: string): void
}
