/**
 * The validate pipeline (docs/ARCHITECTURE.md "From config to report"): the one place the
 * validate checks run, for `agentctl validate` and the demo alike.
 */
import type { Check } from '../../src/check.js'
import type { AgentctlConfig } from '../../src/config/schema.js'
import { buildReport, type Report } from '../../src/report.js'
import { declaredOptions, runChecks } from '../../src/runner.js'

/** The default budget per check (--timeout); resilience checks declare larger budgets of their own. */
export const VALIDATE_TIMEOUT = '30s'

/** What validate's checks read from the job (besides the config). */
export interface ValidateOptions {
  maxRecoveryMs: number
  repeat: number
  minPassRate: number
  /** The user's config file, for checks that lint it (absent: an in-memory config). */
  configFile?: string
  /** The target is the bundled reference agent started for this run. */
  self: boolean
}

export interface ValidateJob {
  config: AgentctlConfig
  checks: readonly Check[]
  /** Budget per check; checks with a larger budget of their own keep it. */
  timeoutMs: number
  options: ValidateOptions
  version: string
  /** The report's target line (already display-safe). */
  target: string
  signal: AbortSignal
  progress?(text: string): void
}

export async function runValidate(job: ValidateJob): Promise<Report> {
  const startedAt = new Date()
  const running = new Set<string>()
  let done = 0
  const progress = () => job.progress?.(`validate: ${done}/${job.checks.length} done${running.size ? ` · running ${[...running].join(', ')}` : ''}`)
  const run = (subset: readonly Check[]) =>
    runChecks(subset, {
      mode: 'validate',
      config: job.config,
      timeoutMs: job.timeoutMs,
      // Each setting concerns some checks; the selection may not include them (--only config).
      options: declaredOptions(subset, { ...job.options }),
      signal: job.signal,
      onStart: (check) => (running.add(check.id), progress()),
      onFinish: (check) => (running.delete(check.id), (done += 1), progress()),
    })
  // Two phases: the static and dependency checks first, then the mock-driven lane alone. A
  // dependency probe that makes the agent call its LLM (a /ready that pings the model, an
  // llm-endpoint aimed at the mock) would otherwise add calls to a resilience check's window.
  const lane = job.checks.filter((c) => c.lock === 'mock-llm')
  const unordered = [...(await run(job.checks.filter((c) => c.lock !== 'mock-llm'))), ...(job.signal.aborted ? [] : await run(lane))]
  const findings = job.checks.flatMap((c) => unordered.filter((f) => f.checkId === c.id))
  return buildReport({ command: 'validate', version: job.version, startedAt, target: job.target, findings })
}
