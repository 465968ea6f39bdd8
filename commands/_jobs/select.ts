import { catalogue } from '../../checks/index.js'
import type { Check, CheckMode } from '../../src/check.js'
import { AgentctlError, ExitCode } from '../../src/exit-codes.js'
import { DIAGNOSE_CATEGORIES, VALIDATE_CATEGORIES } from '../../src/report.js'
import { selectChecks } from '../../src/runner.js'

const CATEGORIES: Record<CheckMode, readonly string[]> = { validate: VALIDATE_CATEGORIES, diagnose: DIAGNOSE_CATEGORIES }

/** The checks of one job after --only/--skip; a selection that keeps nothing is a usage error naming what exists. */
export function selectOrThrow(mode: CheckMode, only: readonly string[] = [], skip: readonly string[] = []): Check[] {
  const checks = selectChecks(catalogue, { mode, only, skip })
  if (checks.length > 0) return checks
  const known = catalogue.filter((c) => c.appliesTo.includes(mode)).map((c) => c.id)
  throw new AgentctlError(`no ${mode} check matches --only ${only.join(',') || '-'} --skip ${skip.join(',') || '-'}`, ExitCode.UsageOrInternal, `categories: ${CATEGORIES[mode].join(', ')}; checks: ${known.join(', ')}`)
}
