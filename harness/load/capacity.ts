import type { LoadStep } from '../../src/report.js'
import { errorRateOf, evaluateSlos, formatObserved, isRateThreshold, type SloResult, type SloThreshold } from '../../src/load/slo.js'
import { type DriverOptions, runLoad, type RunResult } from './driver.js'
import type { Pool } from 'undici'
import { createPool } from './open-model.js'

/** The achieved rate must stay within 10% of the offered rate for a step to count as sustained. */
export const MIN_ACHIEVED_RATIO = 0.9
/** The knee: the highest step whose p95 is within 1.5x the lowest p95 measured (see findKnee). */
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
  /** Latency guess before the first step has measured one. */
  initialLatencyMs?: number
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
}

export interface CapacityResult {
  steps: CapacityStep[]
  maxSustainableRps: number
  kneeRps: number
  /** False when latency never rose past KNEE_FACTOR x baseline inside the searched range. */
  kneeFound: boolean
  /** Why the ramp ended: a breach, the --max-rps ceiling, or an abort. */
  stopReason: string
  aborted: boolean
}

/** Open-model connections for a rate: twice the expected concurrency (Little's law), bounded. */
export function connectionsFor(rps: number, latencyMs: number, maxConnections: number): number {
  return Math.max(4, Math.min(maxConnections, Math.ceil(rps * (latencyMs / 1000) * 2)))
}

/**
 * Step ramp of offered rate (open model, one steady window per step, warm-up excluded). The ramp
 * stops at the first step that breaks the SLO (rate thresholds excepted: the ramp sets the rate)
 * or whose achieved rate falls below 90% of the offered rate; the maximum sustainable rate is
 * the offered rate of the last step that held. The knee is defined in KNEE_FACTOR's comment.
 */
export async function findCapacity(opts: CapacityOptions): Promise<CapacityResult> {
  const pool = createPool(opts.origin, opts.maxConnections, opts.timeoutMs ?? 30_000)
  try {
    const { steps, stopReason, aborted } = await ramp(opts, pool)
    const sustained = steps.filter((s) => s.sustained)
    const maxSustainableRps = sustained.at(-1)?.offeredRps ?? 0
    const { kneeRps, kneeFound } = findKnee(steps)
    return { steps, maxSustainableRps, kneeRps, kneeFound, stopReason, aborted }
  } finally {
    await pool.destroy().catch(() => undefined)
  }
}

async function ramp(opts: CapacityOptions, pool: Pool): Promise<{ steps: CapacityStep[]; stopReason: string; aborted: boolean }> {
  const thresholds = opts.slos.filter((t) => !isRateThreshold(t))
  const steps: CapacityStep[] = []
  let latencyGuess = opts.initialLatencyMs ?? 1000
  const began = Date.now()
  for (let rps = opts.startRps, index = 0; rps <= opts.maxRps + 1e-9; rps += opts.stepRps, index++) {
    // A step may also drain its in-flight requests for up to one timeout after its window.
    if (opts.maxTotalMs !== undefined && Date.now() - began + (opts.warmupMs ?? 0) + opts.stepDurationMs + (opts.timeoutMs ?? 30_000) > opts.maxTotalMs) {
      return { steps, stopReason: `the next step would run past load.maxDuration (${Math.round(opts.maxTotalMs / 1000)}s)`, aborted: false }
    }
    const connections = connectionsFor(rps, latencyGuess, opts.maxConnections)
    opts.onStepStart?.(rps, index, connections)
    const run = await runLoad({ ...opts, mode: 'open', rate: rps, connections, durationMs: opts.stepDurationMs, pool })
    if (run.aborted) return { steps, stopReason: 'interrupted', aborted: true }
    const step = judgeStep(run, thresholds)
    steps.push(step)
    opts.onStep?.(step, index)
    if (!step.sustained) return { steps, stopReason: `step ${formatRps(rps)} rps: ${step.breach}`, aborted: false }
    // Size the next step from what this one measured (its p99), not from the first guess.
    if (run.latencyMs.p99 > 0) latencyGuess = Math.max(10, run.latencyMs.p99)
  }
  return { steps, stopReason: `reached --max-rps ${opts.maxRps}`, aborted: false }
}

function judgeStep(run: RunResult, thresholds: SloThreshold[]): CapacityStep {
  const slo = evaluateSlos(thresholds, { latencyMs: run.latencyMs, errorRate: errorRateOf(run), achievedRps: run.achievedRps, successes: run.requests - run.errors })
  const failed = slo.filter((r) => !r.passed)
  const ratio = run.offeredRps > 0 ? run.achievedRps / run.offeredRps : 0
  let breach: string | undefined
  if (failed.length) breach = failed.map((r) => `${r.expression} (observed ${formatObserved(r)})`).join(', ')
  else if (ratio < MIN_ACHIEVED_RATIO) breach = `achieved ${formatRps(run.achievedRps)} rps is ${Math.round(ratio * 100)}% of the offered ${formatRps(run.offeredRps)} (< ${MIN_ACHIEVED_RATIO * 100}%)`
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
    slo,
    run,
  }
}

/**
 * The knee: the highest offered rate whose p95 is still within KNEE_FACTOR x the latency floor,
 * the lowest p95 of any step that held (the unloaded service time). Past it, queueing dominates:
 * each extra request/s costs disproportionate latency. Taking the floor over all such steps (not
 * the first) keeps one noisy low-load step — a GC pause, a cold connection — from placing the knee
 * early. Only steps that held (`sustained` not false) count for floor and knee: a step that broke
 * the SLO — say fast 429s, whose few successes have a low p95 — is no operating point, and the
 * knee never lies above the maximum sustainable rate. `kneeFound` is false when no higher step, the breaking
 * one included, rose past the band (the ramp stopped on an SLO, on the achieved-rate rule or on
 * --max-rps before latency bent).
 */
export function findKnee(steps: ReadonlyArray<Pick<LoadStep, 'offeredRps' | 'latencyMs'> & { sustained?: boolean }>): { kneeRps: number; kneeFound: boolean } {
  const measured = steps.filter((s) => s.latencyMs.p95 > 0)
  const held = measured.filter((s) => s.sustained !== false)
  if (held.length === 0) return { kneeRps: 0, kneeFound: false }
  const band = KNEE_FACTOR * Math.min(...held.map((s) => s.latencyMs.p95))
  const knee = Math.max(...held.filter((s) => s.latencyMs.p95 <= band).map((s) => s.offeredRps))
  return { kneeRps: knee, kneeFound: measured.some((s) => s.offeredRps > knee && s.latencyMs.p95 > band) }
}

/** Replicas for a target rate with headroom: ceil(target x (1 + headroom) / per-replica capacity). */
export function replicasNeeded(targetRps: number, headroom: number, maxSustainableRps: number): number | undefined {
  if (maxSustainableRps <= 0) return undefined
  return Math.max(1, Math.ceil((targetRps * (1 + headroom)) / maxSustainableRps - 1e-9))
}

export const formatRps = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(1))
