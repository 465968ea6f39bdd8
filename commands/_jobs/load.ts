/**
 * The load pipeline (docs/ARCHITECTURE.md "From config to report"): run a resolved plan against
 * a started target, judge it (SLO thresholds, capacity, cost, baseline) and build the Report, for
 * `agentctl load` and the demo alike. Starting servers and the safety gate stay with the caller.
 */
import type { AgentctlConfig } from '../../src/config/schema.js'
import { compareToBaseline, undecidedCapacity } from '../../src/load/baseline.js'
import { loadFindings } from '../../src/load/findings.js'
import type { LoadPlan } from '../../src/load/plan.js'
import { pricingFor } from '../../src/pricing.js'
import { buildReport, type LoadResult, type Report } from '../../src/report.js'
import { type ExecuteOptions, executeLoad } from '../../harness/load/execute.js'
import type { Workload } from '../../harness/load/workload.js'

export interface LoadJob {
  plan: LoadPlan
  workload: Workload
  config: AgentctlConfig
  /** scheme://host:port of the target (already through the safety gate). */
  origin: string
  /** --protocol (h16): answers classified by content through this adapter, streamed ones timed. */
  protocol?: ExecuteOptions['protocol']
  /** A previous run to compare against (--baseline), already checked to be comparable. */
  baseline?: { file: string; tolerance: number; load: LoadResult }
  version: string
  /** The report's target line (already display-safe). */
  target: string
  /** The run's start, when the caller spent time before it (servers, warm-up) that belongs to the run. */
  startedAt?: Date
  signal: AbortSignal
  events?: Pick<ExecuteOptions, 'onProgress' | 'onStepStart' | 'onStepDone'>
  /** How the user searches further from an "at least" capacity (FindingsInput.rerun); the demo's user typed no command. */
  rerun?: string
}

export async function runLoad(job: LoadJob): Promise<Report> {
  const startedAt = job.startedAt ?? new Date()
  const { plan, config } = job
  const outcome = await executeLoad({
    plan,
    workload: job.workload,
    origin: job.origin,
    metricsUrl: job.origin + config.target.metricsPath,
    bearer: config.target.apiKey,
    // Chat load: responses carry usage, so cost is measured.
    trackCost: plan.chatLoad,
    pricing: pricingFor(config),
    dailyBudgetUsd: config.budget.dailyUsd,
    signal: job.signal,
    ...(job.protocol ? { protocol: job.protocol } : {}),
    ...job.events,
  })
  const regressions = job.baseline ? compareToBaseline(outcome.load, job.baseline.load, job.baseline.tolerance) : undefined
  if (job.baseline && regressions) outcome.load.baseline = { file: job.baseline.file, regressions }
  const findings = loadFindings({
    load: outcome.load,
    slo: outcome.slo,
    cost: outcome.cost,
    costRequested: plan.chatLoad,
    capacity: outcome.capacity,
    ...(job.rerun ? { rerun: job.rerun } : {}),
    regressions:
      job.baseline && regressions
        ? { file: job.baseline.file, tolerance: job.baseline.tolerance, list: regressions, undecided: undecidedCapacity(outcome.load, job.baseline.load, job.baseline.tolerance) }
        : undefined,
    statuses: outcome.statuses,
    scheduler: outcome.scheduler,
    abortReason: outcome.abortReason,
    durationMs: Date.now() - startedAt.getTime(),
  })
  // From the findings, which skip thresholds a run interrupted before any request never measured.
  const sloFailed = findings.some((f) => f.checkId.startsWith('load-slo-') && f.status === 'fail')
  return buildReport({ command: 'load', version: job.version, startedAt, target: job.target, findings, load: outcome.load, ...(sloFailed ? { forceVerdict: 'fail' as const } : {}), interrupted: job.signal.aborted })
}
