/**
 * The diagnose pipeline (docs/ARCHITECTURE.md "From config to report"): every diagnose check at
 * once, each under its own timeout, for `agentctl diagnose` (and each --watch round) and the demo.
 */
import type { Check } from '../../src/check.js'
import type { AgentctlConfig } from '../../src/config/schema.js'
import { buildReport, type Report } from '../../src/report.js'
import { declaredOptions, runChecks } from '../../src/runner.js'

/** What diagnose's checks read from the job (besides the config). */
export interface DiagnoseOptions {
  /** Look-back window of the metric-based checks. */
  windowMs: number
}

export interface DiagnoseJob {
  config: AgentctlConfig
  checks: readonly Check[]
  /** Budget per check (--timeout): a hung dependency costs one budget, never more. */
  timeoutMs: number
  options: DiagnoseOptions
  version: string
  /** The report's target line (already display-safe). */
  target: string
  signal: AbortSignal
  progress?(text: string): void
}

export async function runDiagnose(job: DiagnoseJob): Promise<Report> {
  const startedAt = new Date()
  const running = new Set(job.checks.map((c) => c.id))
  const total = job.checks.length
  job.progress?.(`diagnose: running ${total} checks…`)
  const findings = await runChecks(job.checks, {
    mode: 'diagnose',
    config: job.config,
    timeoutMs: job.timeoutMs,
    options: declaredOptions(job.checks, { ...job.options }),
    signal: job.signal,
    onFinish: (check) => {
      running.delete(check.id)
      job.progress?.(`diagnose: ${total - running.size}/${total} done${running.size ? ` · waiting on ${[...running].join(', ')}` : ''}`)
    },
  })
  return buildReport({ command: 'diagnose', version: job.version, startedAt, target: job.target, findings })
}
