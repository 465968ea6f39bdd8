import { performance } from 'node:perf_hooks'
import type { Pool } from 'undici'
import { isRateThreshold, type SloThreshold } from '../../src/load/slo.js'
import { sleep } from '../../src/sleep.js'
import { type CapacityResult, type CapacityStep, connectionsFor, formatRps, judgeStep, summarizeSearch } from './capacity.js'
import { type DriverOptions, runLoad } from './driver.js'
import { createPool } from './open-model.js'
import { measureThroughput, probeLatency, timedRequest } from './probe.js'

/** A step's window holds at least this many completions (capped by MAX_WINDOW_MS): percentiles need samples. */
const MIN_COMPLETIONS = 40
const MAX_WINDOW_MS = 10_000
const MAX_WARMUP_MS = 10_000
/** The first rate when none is given: this share of the bursts' throughput ceiling. */
const START_SHARE_OF_THROUGHPUT = 0.5
/** Without a throughput figure (every burst failed): four users' worth at the probe's latency, at most 500 rps. */
const MAX_AUTO_START_RPS = 500
const START_USERS = 4
/** The bursts get at most this share of the budget. */
const BURST_BUDGET_SHARE = 0.3
/** Doubling grows 4x while latency stays within this factor of the floor's p95 (far from the limit). */
const FLAT_LATENCY = 1.5
/**
 * A step is cut short once this many times its Little's-law share (rate x latency) is in flight
 * or waiting: far past its limit, an agent's backlog grows by (offered - capacity) every second,
 * and left to run for the whole window and its drain it outlived the step (on the reference agent a
 * 4x growth step to 3.6x its capacity left 503s and timeouts in the next two steps). Never below
 * two seconds of arrivals: an agent that stalls for a second (the seed-000 agent's blocking calls)
 * is judged by its window, not cut at its first hiccup.
 */
const CUT_AT_SHARE = 5
const MIN_CUT_BACKLOG_MS = 2000
const MIN_CUT_IN_FLIGHT = 64

export interface SearchOptions extends Omit<DriverOptions, 'mode' | 'rate' | 'durationMs' | 'connections' | 'warmupMs' | 'timeoutMs'> {
  /** --start-rps: the first step, and a floor (the search never goes below it). Default: from the probe. */
  startRps?: number
  maxRps: number
  /** --step-duration: the shortest measured window; steps grow with the latency and the rate. */
  minWindowMs: number
  /** --warmup: the shortest warm-up; it grows to two latencies. */
  minWarmupMs: number
  /** Stop narrowing when broke/held - 1 is at most this. */
  resolution: number
  /** --max-duration: no step starts that would end past it. */
  budgetMs: number
  /** The per-request timeout (--timeout); a step drains for less when latency allows. */
  timeoutMs: number
  slos: SloThreshold[]
  maxConnections: number
  onStep?: (step: CapacityStep, index: number) => void
  onStepStart?: (rps: number, index: number, connections: number) => void
}

interface StepPlan {
  warmupMs: number
  windowMs: number
  drainMs: number
  connections: number
  expectedMs: number
}

/**
 * Sizes a step from the latency measured so far (harness/LOAD.md "The method"): a
 * warm-up of one latency, a window of two latencies and MIN_COMPLETIONS completions, a drain
 * (per-request timeout) of four latencies or twice the latency SLO, and room in flight for every
 * request of that drain — so a send is only dropped when the agent is past any SLO anyway.
 */
export function planStep(rate: number, latencyMs: number, o: Pick<SearchOptions, 'minWindowMs' | 'minWarmupMs' | 'timeoutMs' | 'maxConnections' | 'slos'>, windowScale = 1): StepPlan {
  const sloMs = Math.max(0, ...o.slos.filter((t) => !isRateThreshold(t) && t.metric !== 'error_rate').map((t) => t.threshold))
  const warmupMs = Math.min(MAX_WARMUP_MS, Math.max(o.minWarmupMs, latencyMs))
  const windowMs = Math.round(windowScale * Math.max(o.minWindowMs, Math.min(MAX_WINDOW_MS, Math.max(2 * latencyMs, (1000 * MIN_COMPLETIONS) / rate))))
  const drainMs = Math.min(o.timeoutMs, Math.max(2000, 4 * latencyMs, 2 * sloMs))
  const connections = connectionsFor(rate, drainMs, o.maxConnections)
  // A step that holds ends about one latency after its window (its last sends answering); one that
  // breaks drains longer, but every next step is fitted to the time actually left. Planning
  // two latencies left a 3 s agent (the README recipe) no time to confirm its answer.
  return { warmupMs, windowMs, drainMs, connections, expectedMs: warmupMs + windowMs + Math.min(drainMs, latencyMs) + 250 }
}

/** Two significant digits below 100 rps, whole numbers above. */
export function roundRate(n: number): number {
  return n >= 100 ? Math.round(n) : Number(n.toPrecision(2))
}

/**
 * The adaptive capacity search: a probe and closed-model bursts (probe.ts), then growing rates
 * from half the bursts' throughput (or --start-rps) until a step breaks, then bisection (geometric) between the highest rate that held
 * and the lowest that broke until the bracket is within --resolution, then a confirmation step at
 * the answer. The first rate runs twice: the spread of the two is the low-load noise the knee is
 * judged against (capacity.ts findKnee). Every step is an open-model window (judgeStep).
 */
export async function searchCapacity(opts: SearchOptions): Promise<CapacityResult> {
  const pool = createPool(opts.origin, opts.maxConnections, opts.timeoutMs)
  const began = performance.now()
  const steps: CapacityStep[] = []
  const thresholds = opts.slos.filter((t) => !isRateThreshold(t))
  const done = (stopReason: string, ranOut = false, aborted = false, generatorLimited = false) => summarizeSearch(steps, { stopReason, aborted, search: 'adaptive', ranOut, probe, generatorLimited })
  let probe: CapacityResult['probe']
  try {
    probe = await probeLatency(opts, pool)
    if (opts.signal?.aborted) return done('interrupted', false, true)
    if (probe.failed === probe.requests) return done(`all ${probe.requests} probe requests failed before the first step`)
    let latencyMs = probe.latencyMs
    // The generator's ceiling (below) is Little's law: connections in use = rate x MEAN latency.
    // Step sizing keeps the p99 (latencyMs); a 1% tail at 5.6 s behind a 0.64 s mean put the
    // ceiling at 162 rps for an agent holding 1232, and the search stopped "at least 1232". The
    // probe's few requests only stand in until a step has measured thousands.
    let meanLatencyMs = probe.latencyMs
    if (opts.startRps === undefined) {
      probe.throughput = await measureThroughput(opts, pool, latencyMs, opts.maxConnections, began + BURST_BUDGET_SHARE * opts.budgetMs)
      if (opts.signal?.aborted) return done('interrupted', false, true)
    }
    const throughput = probe.throughput?.rps
    const left = () => opts.budgetMs - (performance.now() - began)
    const fits = (rate: number, extra = 0, windowScale = 1) => planStep(rate, latencyMs, opts, windowScale).expectedMs + extra <= left()
    const held = (rate: number) => steps.some((s) => s.offeredRps === rate) && steps.every((s) => s.offeredRps !== rate || s.sustained)
    const run = async (rate: number, windowScale = 1): Promise<CapacityStep | undefined> => {
      const plan = planStep(rate, latencyMs, opts, windowScale)
      opts.onStepStart?.(rate, steps.length, plan.connections)
      // Before the generator would drop (every connection busy and the backlog as deep): a bracket
      // closed by drops says nothing about the agent.
      const cutAtInFlight = Math.min(2 * plan.connections - 1, Math.max(MIN_CUT_IN_FLIGHT, Math.ceil((rate * Math.max(CUT_AT_SHARE * latencyMs, MIN_CUT_BACKLOG_MS)) / 1000)))
      const result = await runLoad({ ...opts, mode: 'open', rate, connections: plan.connections, durationMs: plan.windowMs, warmupMs: plan.warmupMs, timeoutMs: plan.drainMs, pool, cutAtInFlight })
      if (result.aborted) return undefined
      const step = judgeStep(result, thresholds, plan.connections)
      steps.push(step)
      opts.onStep?.(step, steps.length - 1)
      if (step.sustained && result.latencyMs.p99 > 0) latencyMs = Math.max(probe!.latencyMs, result.latencyMs.p99)
      if (step.sustained && result.latencyMs.mean) meanLatencyMs = result.latencyMs.mean
      // An overloaded agent keeps working through requests the generator gave up on: let it drain,
      // or the next (lower) step measures the backlog of this one instead of its own rate.
      if (!step.sustained) {
        // The requests a cut step cancelled may all still be queued inside the agent: wait at least
        // as long as it needs to serve them at the best rate it has held (or its bursts' ceiling).
        const served = Math.max(1, throughput ?? 0, ...steps.filter((s) => s.sustained).map((s) => s.achievedRps))
        const backlogMs = ((result.overload?.inFlight ?? 0) / served) * 1000
        await settle(opts, pool, probe!.latencyMs, Math.min(SETTLE_MAX_MS, left()), backlogMs)
      }
      return step
    }
    const budget = `the ${Math.round(opts.budgetMs / 1000)}s budget (--max-duration)`

    // 1. A floor that holds, twice. An explicit --start-rps is the floor: no descent below it. The
    // first step always runs (nothing is known without it); every later one must fit the budget.
    const auto = throughput !== undefined ? START_SHARE_OF_THROUGHPUT * throughput : Math.min(MAX_AUTO_START_RPS, (START_USERS * 1000) / Math.max(0.1, probe.latencyMs))
    let lo = roundRate(opts.startRps ?? Math.min(opts.maxRps, auto))
    for (let descents = 0; ; descents++) {
      const step = await run(lo)
      if (!step) return done('interrupted', false, true)
      let breach = step.breach
      if (step.sustained) {
        if (!fits(lo)) return done(`out of time: ${budget} ended the search after its first rate`, true)
        const again = await run(lo)
        if (!again) return done('interrupted', false, true)
        if (again.sustained) break
        breach = `held once and broke when repeated: ${again.breach}`
      }
      if (opts.startRps !== undefined || descents >= 3 || !fits(lo / 2)) return done(`${formatRps(lo)} rps${descents ? ` (after halving ${descents} time${descents > 1 ? 's' : ''})` : ''}: ${breach}`)
      lo = roundRate(lo / 2)
    }

    // 2. Growth until a step breaks: 4x while latency is flat (far from the limit), then 2x.
    const floorP95 = Math.max(...steps.filter((s) => s.offeredRps === lo).map((s) => s.latencyMs.p95))
    let hi: number | undefined
    while (hi === undefined) {
      if (lo >= opts.maxRps) return done(`reached --max-rps ${formatRps(opts.maxRps)} with every step held`, true)
      const flat = steps.at(-1)!.latencyMs.p95 <= FLAT_LATENCY * floorP95
      // Little's law: past maxConnections / latency the generator itself runs out of connections
      // and drops sends, which says nothing about the agent. Stop below that instead.
      const ceiling = roundRate((0.9 * opts.maxConnections * 1000) / Math.max(1, meanLatencyMs))
      // A ceiling within the resolution above the held rate is no step worth its time: the mean
      // moving by 10 ms crept the README recipe up 319, 320, 321 rps, one step each.
      if (lo * (1 + opts.resolution) > ceiling) return done(`the load generator's limit: ${formatRps(lo)} rps held, and a higher rate would need more than the ${opts.maxConnections} connections allowed (--max-connections) at a ${Math.round(meanLatencyMs)} ms mean latency`, true, false, true)
      // Past the bursts' throughput a step can only break, or the bursts fell short (too few users,
      // or the agent slow at that moment): go up to it, not 4x past it, and past it 2x at a time
      // (1.25x when the bursts saturated the agent).
      // 4x steps past it left backlogs the agents were still working off steps later: seed-000
      // measured 49/s, held 49 rps and broke 54 rps after a step to 196; the reference agent's
      // 256 users measured 263/s, it held 528 rps and broke 556 and 528 after a step to 852.
      const belowThroughput = throughput !== undefined && lo < throughput
      const cap = belowThroughput ? Math.max(roundRate(throughput), roundRate(lo * 1.1)) : Infinity
      // Past a saturated throughput only a little at a time: the agent was measured at its ceiling,
      // and an overloaded seed-000 agent collapses (2x past it, it completed 4 chats a second).
      const past = probe.throughput?.saturated ? 1 + 2.5 * opts.resolution : 2
      const growth = belowThroughput || throughput === undefined ? (flat ? 4 : 2) : past
      const next = roundRate(Math.min(opts.maxRps, ceiling, cap, lo * growth))
      if (!fits(next)) return done(`out of time: ${budget} ended the search before any step broke`, true)
      const step = await run(next)
      if (!step) return done('interrupted', false, true)
      if (step.sustained) lo = next
      else hi = next
    }

    // 3. Bisection, steered by goodput, then 4. confirmation of the answer with a longer window.
    // An overloaded agent still completes about its capacity per second, so the best achieved
    // rate of a step that broke is the first guess (GuideLLM's sweep measures its throughput
    // rate the same way); if that holds, one step just above it (lo x (1 + resolution)) usually
    // closes the bracket. Plain geometric bisection from a 4x overshoot (192 held, 768 broke)
    // instead sent the agent steps at 2x and 1.4x its capacity, each leaving a backlog behind.
    const tried = (rate: number) => steps.some((s) => s.offeredRps === rate)
    let walked = false
    const nextRate = (lo: number, hi: number): number => {
      const goodput = roundRate(Math.max(0, ...steps.filter((s) => !s.sustained && s.offeredRps > lo).map((s) => s.achievedRps)))
      if (goodput > lo && goodput < hi && !tried(goodput)) return goodput
      const above = roundRate(lo * (1 + opts.resolution))
      if (!walked && goodput > 0 && goodput <= lo && above > lo && above < hi && !tried(above)) {
        walked = true
        return above
      }
      return roundRate(Math.sqrt(lo * hi))
    }
    for (let confirmations = 0; ; ) {
      while (hi / lo - 1 > opts.resolution) {
        const mid = nextRate(lo, hi)
        if (mid <= lo || mid >= hi) break
        if (!fits(mid)) return done(`out of time: ${budget} ended the search with the bracket at ${formatRps(lo)}..${formatRps(hi)} rps`, true)
        const step = await run(mid)
        if (!step) return done('interrupted', false, true)
        if (step.sustained) lo = mid
        else hi = mid
      }
      if (steps.filter((s) => s.offeredRps === lo).length >= 2) break
      if (confirmations >= 3) return done(`${formatRps(lo)} rps was not confirmed after ${confirmations} attempts`, true)
      if (!fits(lo, 0, 1.5)) return done(`out of time: ${budget} left no time to confirm ${formatRps(lo)} rps`, true)
      confirmations++
      const step = await run(lo, 1.5)
      if (!step) return done('interrupted', false, true)
      if (step.sustained) break
      // It broke on a second look: the answer is the highest rate below it that held every time.
      hi = lo
      const below = [...new Set(steps.map((s) => s.offeredRps))].filter((r) => r < hi! && held(r))
      if (below.length === 0) return done(`${formatRps(lo)} rps broke when confirmed and no lower rate held`)
      lo = Math.max(...below)
    }
    return done(`held ${formatRps(lo)} rps (confirmed), broke at ${formatRps(hi)} rps`)
  } finally {
    await pool.destroy().catch(() => undefined)
  }
}

/** The longest wait for an agent to recover after a step that broke. */
const SETTLE_MAX_MS = 15_000

/**
 * After a step that broke: at least `backlogMs` (what the agent may still be serving of the step's
 * cancelled requests), then sequential requests until two in a row answer within 2x the probe's
 * latency (plus 50 ms), i.e. the agent has worked off its backlog, or `maxMs` has passed. 3x let
 * an agent still a second behind pass (a 310 ms probe), and the next step measured that backlog;
 * quick answers alone let the seed-000 agent (an asyncio loop serving new requests between the
 * cancelled ones) pass with hundreds of cancelled requests still queued.
 */
async function settle(opts: SearchOptions, pool: Pool, baselineMs: number, maxMs: number, backlogMs = 0): Promise<void> {
  const until = performance.now() + maxMs
  const wait = Math.min(backlogMs, maxMs)
  if (wait > 0) await sleep(wait, opts.signal).catch(() => undefined)
  const quick = 2 * baselineMs + 50
  for (let good = 0; good < 2 && performance.now() < until && !opts.signal?.aborted; ) {
    const ms = await timedRequest(opts, pool, Math.max(1, Math.min(opts.timeoutMs, until - performance.now())))
    good = ms !== undefined && ms <= quick ? good + 1 : 0
    if (ms === undefined) await new Promise((resolve) => setTimeout(resolve, 200))
  }
}
