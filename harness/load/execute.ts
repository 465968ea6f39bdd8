import { computeCost, type CostResult, scrapeMetrics, tokensFromMetrics, UsageMeter } from '../../src/load/cost.js'
import type { LoadPlan } from '../../src/load/plan.js'
import { errorRateOf, evaluateSlos, formatObserved, isRateThreshold, type SloResult, type SloThreshold } from '../../src/load/slo.js'
import type { PricingTable } from '../../src/pricing.js'
import type { LoadResult, LoadStep } from '../../src/report.js'
import type { TargetProtocol, TokenUsage } from '../../src/protocols/types.js'
import { type CapacityResult, findCapacity, replicasNeeded } from './capacity.js'
import { type Progress, runLoad, type RunResult } from './driver.js'
import { searchCapacity } from './search.js'
import { readPrompts, readSessions, Workload } from './workload.js'

export interface ExecuteOptions {
  plan: LoadPlan
  workload: Workload
  /** scheme://host:port of the target (already checked by the safety gate). */
  origin: string
  /** The agent's /metrics, for token deltas when responses carry no usage. */
  metricsUrl?: string
  bearer?: string
  /** Parse chat responses for usage and price them. */
  trackCost: boolean
  pricing: PricingTable
  dailyBudgetUsd?: number
  /** --protocol: answers are classified by content through it, and streamed ones timed. */
  protocol?: TargetProtocol
  /** Ctrl-C. */
  signal: AbortSignal
  onProgress?: (progress: Progress) => void
  onStepStart?: (rps: number, index: number, connections: number) => void
  onStepDone?: (step: LoadStep & { breach?: string }) => void
}

export interface LoadOutcome {
  load: LoadResult
  slo: SloResult[]
  capacity?: Omit<CapacityResult, 'steps'>
  cost?: CostResult
  statuses: Record<string, number>
  /** Open model: how far behind schedule the load generator ran (worst step in a capacity search). */
  scheduler?: RunResult['scheduler']
  /** Set when the run ended early: Ctrl-C or --abort-on-fail. */
  abortReason?: string
}

/** The plan's request source: fixed body, rotating prompts or multi-turn sessions (files read here). */
export function buildWorkload(plan: LoadPlan, protocol?: TargetProtocol): Workload {
  return new Workload({
    ...(protocol ? { protocol, stream: plan.stream, pathFromProtocol: !plan.explicitPath && protocol.id !== 'agentctl' } : {}),
    method: plan.method,
    path: plan.path,
    headers: plan.headers,
    body: plan.body,
    prompts: plan.promptsFile ? readPrompts(plan.promptsFile) : undefined,
    sessions: plan.sessionsFile ? readSessions(plan.sessionsFile) : undefined,
  })
}

/** Runs the plan (one window, or the capacity ramp) and assembles the report's `load` section. */
export async function executeLoad(opts: ExecuteOptions): Promise<LoadOutcome> {
  const { plan, workload } = opts
  const meter = opts.trackCost ? new UsageMeter() : undefined
  const before = opts.trackCost && opts.metricsUrl ? await scrapeMetrics(opts.metricsUrl, opts.bearer) : undefined
  const common = {
    origin: opts.origin,
    workload,
    warmupMs: plan.warmupMs,
    timeoutMs: plan.timeoutMs,
    onBody: meter ? (body: string) => meter.observe(body) : undefined,
    onUsage: meter ? (usage: TokenUsage) => meter.add(usage) : undefined,
    protocol: opts.protocol,
  }

  let outcome: LoadOutcome
  // The /metrics token delta covers every successful response, warm-up included: the cost divisor.
  let succeededAll = 0
  if (plan.mode === 'capacity') {
    const c = plan.capacity!
    const shared = { ...common, maxRps: c.maxRps, slos: plan.slos, maxConnections: plan.maxConnections, signal: opts.signal, onProgress: opts.onProgress, onStepStart: opts.onStepStart, onStep: (step: LoadStep & { breach?: string }) => opts.onStepDone?.(step) }
    const result =
      c.search === 'linear'
        ? await findCapacity({ ...shared, startRps: c.startRps!, stepRps: c.stepRps!, stepDurationMs: c.stepDurationMs, maxTotalMs: c.budgetMs })
        : await searchCapacity({ ...shared, startRps: c.startRps, minWindowMs: c.stepDurationMs, minWarmupMs: plan.warmupMs, resolution: c.resolution, budgetMs: c.budgetMs, timeoutMs: plan.timeoutMs })
    succeededAll = result.steps.reduce((a, s) => a + s.run.succeededAll, 0)
    outcome = capacityOutcome(result, plan)
  } else {
    const abortOnFail = new AbortController()
    let sloAbort: string | undefined
    const run = await runLoad({
      ...common,
      mode: plan.mode,
      rate: plan.rate,
      connections: plan.connections,
      durationMs: plan.durationMs,
      signal: AbortSignal.any([opts.signal, abortOnFail.signal]),
      onProgress: (progress) => {
        opts.onProgress?.(progress)
        if (!plan.abortOnFail || sloAbort || progress.elapsedS < 2 || progress.total.requests < 10) return
        // Throughput thresholds only mean something over the whole window: never abort on them.
        const { total } = progress
        const failed = evaluateSlos(plan.slos.filter((t) => !isRateThreshold(t)), { latencyMs: total.latencyMs, errorRate: errorRateOf(total), achievedRps: total.achievedRps, successes: total.requests - total.errors }).find((r) => !r.passed)
        if (failed) {
          sloAbort = `SLO ${failed.expression} failed after ${progress.elapsedS}s (observed ${formatObserved(failed)}); stopped by --abort-on-fail`
          abortOnFail.abort()
        }
      },
    })
    succeededAll = run.succeededAll
    outcome = singleOutcome(run, plan)
    if (run.aborted) outcome.abortReason = opts.signal.aborted ? 'interrupted (SIGINT): the results cover the part that ran' : (sloAbort ?? 'aborted')
  }
  if (outcome.capacity?.aborted) outcome.abortReason = 'interrupted (SIGINT) during the capacity search: the steps that completed are reported'
  if (outcome.abortReason) outcome.load.aborted = outcome.abortReason

  if (opts.trackCost) {
    let totals = meter?.totals()
    if (!totals && before && opts.metricsUrl) {
      const after = await scrapeMetrics(opts.metricsUrl, opts.bearer)
      if (after) totals = tokensFromMetrics(before, after, succeededAll)
    }
    if (totals) {
      // A daily figure only for the traffic the user plans for (--target-rps): never a projection
      // at a rate nobody asked about, and never $0.00 for a rate that was not given (issue 20).
      outcome.cost = computeCost(totals, opts.pricing, plan.targetRps, opts.dailyBudgetUsd)
      const { source: _s, unpricedModels: _u, targetRps: _t, ...cost } = outcome.cost
      outcome.load.cost = cost
    }
  }
  return outcome
}

function stepOf(run: RunResult): LoadStep {
  const { offeredRps, achievedRps, requests, errors, dropped, latencyMs, durationMs } = run
  return { offeredRps, achievedRps, requests, errors, dropped, latencyMs, durationMs }
}

function singleOutcome(run: RunResult, plan: LoadPlan): LoadOutcome {
  const slo = evaluateSlos(plan.slos, { latencyMs: run.latencyMs, errorRate: errorRateOf(run), achievedRps: run.achievedRps, successes: run.requests - run.errors, ...(run.stream ? { stream: run.stream } : {}) })
  // Interrupted before anything was measured: no threshold has a value to pass or fail on (the
  // findings say "not measured"; the report's SLO table stays empty rather than showing verdicts).
  const measured = run.requests + run.dropped > 0
  const load: LoadResult = {
    mode: run.mode,
    ...(run.mode === 'closed' ? { connections: plan.connections } : {}),
    ...stepOf(run),
    steps: [{ ...stepOf(run), ...(measured ? { sloPassed: slo.every((r) => r.passed) } : {}) }],
    timeline: run.timeline,
    slo: measured ? slo.map(sloEntry) : [],
    ...(run.stream ? { stream: run.stream } : {}),
    histograms: { overall: run.histogram, ...prefixed('stream-', run.streamHistograms) },
  }
  return { load, slo, statuses: run.statuses, scheduler: run.scheduler }
}

function capacityOutcome(result: CapacityResult, plan: LoadPlan): LoadOutcome {
  const { steps, ...summary } = result
  // The headline figures are those of the highest rate that held (or the first step, if none did).
  const headline = [...steps].reverse().find((s) => s.offeredRps === result.maxSustainableRps && s.sustained) ?? steps[0]
  const timeline = []
  let offset = 0
  for (const step of steps) {
    for (const point of step.run.timeline) timeline.push({ ...point, t: point.t + offset })
    offset += Math.ceil(step.run.durationMs / 1000)
  }
  const statuses: Record<string, number> = {}
  for (const step of steps) for (const [k, v] of Object.entries(step.run.statuses)) statuses[k] = (statuses[k] ?? 0) + v
  const empty = { p50: 0, p90: 0, p95: 0, p99: 0, max: 0 }
  const load: LoadResult = {
    mode: 'capacity',
    offeredRps: headline?.offeredRps ?? 0,
    achievedRps: headline?.achievedRps ?? 0,
    requests: steps.reduce((a, s) => a + s.requests, 0),
    errors: steps.reduce((a, s) => a + s.errors, 0),
    dropped: steps.reduce((a, s) => a + (s.dropped ?? 0), 0),
    latencyMs: headline?.latencyMs ?? empty,
    steps: steps.map(({ run, slo: _slo, sustained: _s, generatorOnly: _g, ...step }) => step),
    timeline,
    slo: (headline?.slo ?? []).map(sloEntry),
    ...(headline?.run.stream ? { stream: headline.run.stream } : {}),
    capacity: {
      maxSustainableRps: result.maxSustainableRps,
      ...(result.kneeFound ? { kneeRps: result.kneeRps } : {}),
      outcome: result.outcome,
      ...(result.brokeAtRps !== undefined ? { brokeAtRps: result.brokeAtRps, resolution: result.resolution } : {}),
      search: result.search,
      ...replicaSizing(result, plan),
    },
    // Keyed by rate and order: the adaptive search repeats rates to confirm them.
    histograms: Object.fromEntries(steps.flatMap((s, i) => [[`step-${i + 1}-${s.offeredRps}rps`, s.run.histogram], ...Object.entries(prefixed(`step-${i + 1}-stream-`, s.run.streamHistograms))])),
  }
  const schedulers = steps.flatMap((s) => (s.run.scheduler ? [s.run.scheduler] : []))
  const scheduler = schedulers.length ? { maxLagMs: Math.max(...schedulers.map((s) => s.maxLagMs)), lateSendRatio: Math.max(...schedulers.map((s) => s.lateSendRatio)) } : undefined
  return { load, slo: headline?.slo ?? [], capacity: summary, statuses, scheduler }
}

/**
 * Replicas (and the headroom they include) only for a --target-rps. A measured capacity sizes
 * them; "at least X" only bounds them from above (each replica carries X or more), so it is
 * reported as such, never as the count needed (issue 20: no figure that was not measured).
 */
function replicaSizing(result: CapacityResult, plan: LoadPlan) {
  if (!plan.targetRps) return {}
  const sized = replicasNeeded(plan.targetRps, plan.headroom, result.maxSustainableRps)
  if (sized === undefined) return { targetRps: plan.targetRps }
  if (result.outcome === 'resolved') return { targetRps: plan.targetRps, replicasNeeded: sized, headroom: plan.headroom }
  if (result.outcome === 'at-least') return { targetRps: plan.targetRps, replicasAtMost: sized, headroom: plan.headroom }
  return { targetRps: plan.targetRps }
}

function prefixed(prefix: string, histograms: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(histograms ?? {}).map(([k, v]) => [prefix + k, v]))
}

/**
 * The report's copy of an SLO result. The schema wants a number and JSON has no NaN: a threshold
 * with nothing observed is written as 0 with passed false (the findings carry the note, and the
 * report's request and error counts say there was no successful response).
 */
function sloEntry(r: SloResult) {
  return { expression: r.expression, metric: r.metric, op: r.op, threshold: r.threshold, observed: Number.isNaN(r.observed) ? null : r.observed, passed: r.passed }
}
