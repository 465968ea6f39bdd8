import type { LoadStep } from '../../src/report.js'
import { errorRateOf, evaluateSlos, formatObserved, isRateThreshold, type SloResult, type SloThreshold } from '../../src/load/slo.js'
import { type DriverOptions, runLoad, type RunResult } from './driver.js'
import type { Pool } from 'undici'
import { createPool } from './open-model.js'
import type { CapacityProbe } from '../../src/load/findings.js'

/** The achieved rate must stay within 10% of the offered rate for a step to count as sustained. */
export const MIN_ACHIEVED_RATIO = 0.9
/**
 * A queue growing through a step: requests sent in its second half have a median latency this
 * much above the first half's (and QUEUE_GROWTH_MIN_MS more), each half with QUEUE_GROWTH_SAMPLES
 * successes. Past its capacity an open-model agent falls behind by (offered - capacity) requests
 * every second, so latency climbs all through the step; under it the halves agree within noise.
 * Without this rule a rate 10% past the capacity held (achieved/offered is still >= 0.9, and a
 * loose latency SLO is not reached within one window), which made the answer depend on the path.
 */
export const QUEUE_GROWTH = 0.25
/**
 * ...and completions fell short of the offered rate: a real queue holds back completions
 * ((offered - capacity) x window of them), while a machine that merely slowed down for a moment
 * (CPU contention: two test suites on 2 cores) shifts latency but still completes the offered rate.
 */
const QUEUE_GROWTH_ACHIEVED = 0.97
const QUEUE_GROWTH_MIN_MS = 20
const QUEUE_GROWTH_SAMPLES = 20
/** The knee without repeated low-load steps: the highest step whose p95 is within 1.5x the lowest (see findKnee). */
export const KNEE_FACTOR = 1.5

export interface CapacityOptions extends Omit<DriverOptions, 'mode' | 'rate' | 'durationMs' | 'connections'> {
  startRps: number
  stepRps: number
  maxRps: number
  stepDurationMs: number
  slos: SloThreshold[]
  /** Upper bound on connections per step (the open model sizes them from the observed latency). */
  maxConnections: number
  /** The search stops before a step that would end after this many ms (load.maxDuration). */
  maxTotalMs?: number
  onStep?: (step: CapacityStep, index: number) => void
  /** Called before each step starts (progress line). */
  onStepStart?: (rps: number, index: number, connections: number) => void
}

export interface CapacityStep extends LoadStep {
  sustained: boolean
  /** Why this step broke the search, when it did. */
  breach?: string
  slo: SloResult[]
  run: RunResult
  /**
   * It broke only because the generator dropped sends: the agent met every SLO and, with the
   * dropped sends credited, the achieved rate. A bracket closed by such a step is "at least".
   */
  generatorOnly?: boolean
}

/**
 * How a search ended (docs/CONTRACTS.md "Load"):
 *  - resolved: a rate held and a higher one broke, within the resolution: a capacity;
 *  - at-least: time, --max-rps or the generator's own limit ended it first: a lower bound only;
 *  - below-first: the first step already broke: the capacity is below it;
 *  - interrupted: Ctrl-C.
 */
export type CapacityOutcome = 'resolved' | 'at-least' | 'below-first' | 'interrupted'

export interface CapacityResult {
  steps: CapacityStep[]
  maxSustainableRps: number
  /** The lowest rate that broke above the highest that held (the bracket's upper end). */
  brokeAtRps?: number
  /** brokeAtRps / maxSustainableRps - 1: how finely the capacity is known. */
  resolution?: number
  outcome: CapacityOutcome
  kneeRps: number
  /** False when latency never rose past the low-load noise band inside the searched range. */
  kneeFound: boolean
  /** How the knee was decided, in words (for the finding). */
  kneeRule: string
  /** Why the search ended: a breach, the --max-rps ceiling, the time budget, or an abort. */
  stopReason: string
  aborted: boolean
  /** The generator dropped sends (every connection busy): its limit, not the agent's. */
  generatorLimited?: boolean
  /** Adaptive search: what the probe measured before the first step. */
  probe?: CapacityProbe
  search: 'adaptive' | 'linear'
}

/**
 * Open-model connections for a rate: room for every request of `drainMs` in flight (Little's law
 * at the longest latency a step waits for), at least 16, at most --max-connections. undici opens
 * them lazily, so a generous cap costs nothing while the target keeps up; a tight one made the
 * generator drop sends (issue 16: the README recipe dropped 15 of 60 sends at 2 rps).
 */
export function connectionsFor(rps: number, drainMs: number, maxConnections: number): number {
  return Math.min(maxConnections, Math.max(16, Math.ceil((rps * drainMs) / 1000)))
}

/**
 * The exhaustive linear ramp (--step-rps): one steady window per step, start, start + step, …
 * Slow, but it measures every rate: `bench/capacity.mjs` uses it as the reference the adaptive
 * search (search.ts) is compared with. Stops at the first step that breaks (judgeStep).
 */
export async function findCapacity(opts: CapacityOptions): Promise<CapacityResult> {
  const pool = createPool(opts.origin, opts.maxConnections, opts.timeoutMs ?? 30_000)
  try {
    const { steps, stopReason, aborted } = await ramp(opts, pool)
    return summarizeSearch(steps, { stopReason, aborted, search: 'linear', ranOut: !aborted && !steps.some((s) => !s.sustained) })
  } finally {
    await pool.destroy().catch(() => undefined)
  }
}

async function ramp(opts: CapacityOptions, pool: Pool): Promise<{ steps: CapacityStep[]; stopReason: string; aborted: boolean }> {
  const thresholds = opts.slos.filter((t) => !isRateThreshold(t))
  const steps: CapacityStep[] = []
  const began = Date.now()
  for (let rps = opts.startRps, index = 0; rps <= opts.maxRps + 1e-9; rps += opts.stepRps, index++) {
    // A step may also drain its in-flight requests for up to one timeout after its window.
    if (opts.maxTotalMs !== undefined && Date.now() - began + (opts.warmupMs ?? 0) + opts.stepDurationMs + (opts.timeoutMs ?? 30_000) > opts.maxTotalMs) {
      return { steps, stopReason: `out of time: the next step would run past the time budget (${Math.round(opts.maxTotalMs / 1000)}s)`, aborted: false }
    }
    const connections = connectionsFor(rps, opts.timeoutMs ?? 30_000, opts.maxConnections)
    opts.onStepStart?.(rps, index, connections)
    const run = await runLoad({ ...opts, mode: 'open', rate: rps, connections, durationMs: opts.stepDurationMs, pool })
    if (run.aborted) return { steps, stopReason: 'interrupted', aborted: true }
    const step = judgeStep(run, thresholds, connections)
    steps.push(step)
    opts.onStep?.(step, index)
    if (!step.sustained) return { steps, stopReason: `step ${formatRps(rps)} rps: ${step.breach}`, aborted: false }
  }
  return { steps, stopReason: `reached --max-rps ${opts.maxRps}`, aborted: false }
}

/** The result of either search from its steps: the bracket, the outcome, the knee. */
export function summarizeSearch(steps: CapacityStep[], how: { stopReason: string; aborted: boolean; search: CapacityResult['search']; ranOut: boolean; probe?: CapacityResult['probe']; generatorLimited?: boolean }): CapacityResult {
  // A rate held only if every step at it held (the search repeats some rates to confirm them).
  const held = steps.filter((s) => steps.every((o) => o.offeredRps !== s.offeredRps || o.sustained)).map((s) => s.offeredRps)
  const maxSustainableRps = held.length ? Math.max(...held) : 0
  const broke = steps.filter((s) => !s.sustained && s.offeredRps > maxSustainableRps).map((s) => s.offeredRps)
  const brokeAtRps = broke.length ? Math.min(...broke) : undefined
  // Drops in a step the agent broke anyway are its doing (judgeStep): only drops alone are the generator's.
  const generatorLimited = how.generatorLimited || steps.some((s) => s.generatorOnly)
  let outcome: CapacityOutcome
  if (how.aborted) outcome = 'interrupted'
  else if (maxSustainableRps === 0) outcome = 'below-first'
  // A bracket closed by the generator's own drops says nothing about the agent's limit.
  else if (brokeAtRps === undefined || how.ranOut || steps.some((s) => s.offeredRps === brokeAtRps && s.generatorOnly)) outcome = 'at-least'
  else outcome = 'resolved'
  const { kneeRps, kneeFound, rule } = findKnee(steps)
  return {
    steps,
    maxSustainableRps,
    ...(brokeAtRps !== undefined && maxSustainableRps > 0 ? { brokeAtRps, resolution: round3(brokeAtRps / maxSustainableRps - 1) } : {}),
    outcome,
    kneeRps,
    kneeFound,
    kneeRule: rule,
    stopReason: how.stopReason,
    aborted: how.aborted,
    ...(generatorLimited ? { generatorLimited } : {}),
    ...(how.probe ? { probe: how.probe } : {}),
    search: how.search,
  }
}

/**
 * One step's verdict. It breaks on an SLO (rate thresholds excepted: the search sets the rate),
 * on an achieved rate below MIN_ACHIEVED_RATIO of the offered, or on dropped sends — those are
 * the generator's limit (every one of its `connections` busy), named as such, never counted as
 * the agent's errors.
 */
export function judgeStep(run: RunResult, thresholds: SloThreshold[], connections: number): CapacityStep {
  const slo = evaluateSlos(thresholds, { latencyMs: run.latencyMs, errorRate: errorRateOf(run), achievedRps: run.achievedRps, successes: run.requests - run.errors, ...(run.stream ? { stream: run.stream } : {}) })
  const failed = slo.filter((r) => !r.passed)
  const ratio = run.offeredRps > 0 ? run.achievedRps / run.offeredRps : 0
  // A window of a few completions cannot tell 90% from 70% (one completion either side of its
  // edges): the shortfall must also exceed two completions before it counts.
  const windowS = run.durationMs / 1000
  const shortfall = (run.offeredRps - run.achievedRps) * windowS
  // Drops are the generator's limit. Credited back as if answered on time, would the agent still
  // have fallen short? Then the step broke on the agent's account, drops or not: one drop in a
  // step the agent completed at 79% of its rate made a resolved bracket "at least".
  const creditedRatio = run.offeredRps > 0 ? (run.achievedRps + run.dropped / Math.max(windowS, 1e-3)) / run.offeredRps : 0
  const dropsNote = run.dropped > 0 ? `; agentctl also dropped ${run.dropped} sends with all ${connections} connections busy` : ''
  let breach: string | undefined
  if (run.overload) breach = `cut short after ${(run.overload.afterMs / 1000).toFixed(1)} s with ${run.overload.inFlight} requests in flight or waiting: the agent fell far behind this rate (it completed ${formatRps(run.overload.goodputRps)} per second); its requests were cancelled so the backlog does not outlive the step`
  else if (failed.length) breach = failed.map((r) => `${r.expression} (observed ${formatObserved(r)})`).join(', ') + dropsNote
  else if (creditedRatio < MIN_ACHIEVED_RATIO && shortfall > 2) breach = `achieved ${formatRps(run.achievedRps)} rps is ${Math.round(ratio * 100)}% of the offered ${formatRps(run.offeredRps)} (< ${MIN_ACHIEVED_RATIO * 100}%)${dropsNote}`
  else if (queueGrew(run) && ratio < QUEUE_GROWTH_ACHIEVED && shortfall > 2) breach = `latency kept rising through the step (median ${Math.round(run.halves[0]!.p50Ms)} ms for requests sent in its first half, ${Math.round(run.halves[1]!.p50Ms)} ms in its second): a queue growing, the agent falls behind this rate${dropsNote}`
  const generatorOnly = breach === undefined && run.dropped > 0
  if (generatorOnly) breach = `agentctl dropped ${run.dropped} sends with all ${connections} connections busy (the load generator's limit, not the agent's)`
  return {
    offeredRps: run.offeredRps,
    achievedRps: run.achievedRps,
    requests: run.requests,
    errors: run.errors,
    dropped: run.dropped,
    latencyMs: run.latencyMs,
    durationMs: run.durationMs,
    sloPassed: failed.length === 0,
    sustained: breach === undefined,
    ...(breach ? { breach } : {}),
    ...(generatorOnly ? { generatorOnly } : {}),
    slo,
    run,
  }
}

function queueGrew(run: RunResult): boolean {
  const [first, second] = run.halves ?? []
  if (!first || !second || first.requests < QUEUE_GROWTH_SAMPLES || second.requests < QUEUE_GROWTH_SAMPLES) return false
  return second.p50Ms > first.p50Ms * (1 + QUEUE_GROWTH) && second.p50Ms - first.p50Ms > QUEUE_GROWTH_MIN_MS
}

/**
 * The knee: the highest rate that held whose p95 is still inside the low-load band; past it,
 * queueing dominates. The band comes from the noise of repeated low-load steps (the adaptive
 * search runs its first rate twice): their highest p95 plus twice their spread, and at least
 * 10% above it (timer and histogram resolution). With a single low-load step (the linear ramp)
 * the band is KNEE_FACTOR x the lowest p95 of the steps that held. Only steps that held count
 * for floor and knee — a breaking step of fast 429s has a low p95 but is no operating point —
 * and `kneeFound` is true only when a higher step (the breaking one included) rose past the band;
 * otherwise there is "no knee in range".
 */
export function findKnee(steps: ReadonlyArray<Pick<LoadStep, 'offeredRps' | 'latencyMs'> & { sustained?: boolean }>): { kneeRps: number; kneeFound: boolean; rule: string } {
  const measured = steps.filter((s) => s.latencyMs.p95 > 0)
  // A rate that broke on any look is no operating point, even where one of its steps held.
  const brokeAt = new Set(steps.filter((s) => s.sustained === false).map((s) => s.offeredRps))
  const held = measured.filter((s) => s.sustained !== false && !brokeAt.has(s.offeredRps))
  if (held.length === 0) return { kneeRps: 0, kneeFound: false, rule: 'no step held' }
  const lowest = Math.min(...held.map((s) => s.offeredRps))
  const low = held.filter((s) => s.offeredRps === lowest).map((s) => s.latencyMs.p95)
  let band: number
  let rule: string
  if (low.length >= 2) {
    const spread = Math.max(...low) - Math.min(...low)
    band = Math.max(...low) + Math.max(2 * spread, 0.1 * Math.max(...low))
    rule = `p95 above ${round3(band)} ms: the highest of ${low.length} repeated ${formatRps(lowest)} rps steps plus twice their spread (at least +10%)`
  } else {
    band = KNEE_FACTOR * Math.min(...held.map((s) => s.latencyMs.p95))
    rule = `p95 above ${KNEE_FACTOR}x the lowest p95 of the steps that held (${round3(band)} ms)`
  }
  const knee = Math.max(...held.filter((s) => s.latencyMs.p95 <= band).map((s) => s.offeredRps))
  return { kneeRps: knee, kneeFound: measured.some((s) => s.offeredRps > knee && s.latencyMs.p95 > band), rule }
}

/** Replicas for a target rate with headroom: ceil(target x (1 + headroom) / per-replica capacity). */
export function replicasNeeded(targetRps: number, headroom: number, maxSustainableRps: number): number | undefined {
  if (maxSustainableRps <= 0) return undefined
  return Math.max(1, Math.ceil((targetRps * (1 + headroom)) / maxSustainableRps - 1e-9))
}

export const formatRps = (n: number) => (Number.isInteger(n) ? String(n) : n >= 10 ? n.toFixed(1) : String(Number(n.toPrecision(2))))
const round3 = (n: number) => Math.round(n * 1000) / 1000
