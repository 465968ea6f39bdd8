import { readFileSync } from 'node:fs'
import { AgentctlError, ExitCode } from '../exit-codes.js'
import type { LoadResult, LoadStep, Report } from '../report.js'
import { parsePercent } from './inputs.js'
import type { LoadPlan } from './plan.js'
import { errorRateOf } from './slo.js'

export type Regression = NonNullable<LoadResult['baseline']>['regressions'][number]

/** Parses --tolerance: '10%' or a fraction below 1 ('0.1'); a bare '1' is refused as ambiguous. */
export function parseTolerance(text: string): number {
  const fraction = parsePercent(text, '--tolerance')
  if (fraction >= 10) throw new AgentctlError(`--tolerance ${text} is too large`, ExitCode.UsageOrInternal, 'a regression tolerance is a few percent, e.g. --tolerance 10%')
  return fraction
}

const MODEL: Record<LoadResult['mode'], string> = { open: 'an open-model run (--rate)', closed: 'a closed-model run (--connections)', capacity: 'a capacity search (--find-capacity)' }

/**
 * Reads the `load` section of a previous `agentctl load -o old.json` report and refuses, before
 * any traffic, a baseline that measured something else: a capacity search's headline latencies
 * come from whatever rate held, and an open run at another --rate queues differently, so any
 * comparison across them reports regressions (or hides them) that are not there.
 */
export function readBaseline(file: string, plan: Pick<LoadPlan, 'mode' | 'rate' | 'connections'>): LoadResult {
  let parsed: Partial<Report> & { load?: LoadResult }
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'))
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new AgentctlError(`cannot read baseline ${file}: ${code ?? 'not valid JSON'}`, ExitCode.UsageOrInternal, 'pass a JSON report written earlier with `agentctl load -o baseline.json`')
  }
  const load = parsed?.load
  if (!load?.latencyMs || !MODEL[load.mode] || (load.mode === 'capacity' && !load.capacity)) {
    throw new AgentctlError(`--baseline ${file} has no load results`, ExitCode.UsageOrInternal, 'pass a JSON report written by `agentctl load -o baseline.json`')
  }
  if (load.mode !== plan.mode) {
    throw new AgentctlError(`--baseline ${file} is ${MODEL[load.mode]}, this is ${MODEL[plan.mode]}: their figures are not comparable`, ExitCode.UsageOrInternal, 'run with the same model as the baseline, or record a new baseline with this command line')
  }
  const measuredNothing = load.mode === 'capacity' ? !load.steps.some((s) => s.requests > 0) : load.requests === 0
  if (measuredNothing) {
    throw new AgentctlError(`--baseline ${file} measured nothing (0 requests; an interrupted run?)`, ExitCode.UsageOrInternal, 'record the baseline with a run that completes')
  }
  if (plan.mode === 'closed' && load.connections !== undefined && load.connections !== plan.connections) {
    throw new AgentctlError(`--baseline ${file} ran ${load.connections} connections, this run ${plan.connections}: closed-model latencies at different concurrency are not comparable`, ExitCode.UsageOrInternal, `rerun with --connections ${load.connections}, or record a new baseline with this command line`)
  }
  // Reports keep rates to 2 decimals.
  if (plan.mode === 'open' && Math.abs(load.offeredRps - (plan.rate ?? 0)) > 0.006) {
    throw new AgentctlError(`--baseline ${file} offered ${load.offeredRps} rps, this run offers --rate ${plan.rate}: latencies at different rates are not comparable`, ExitCode.UsageOrInternal, `rerun with --rate ${load.offeredRps}, or record a new baseline at --rate ${plan.rate}`)
  }
  return load
}

/**
 * What got worse beyond the tolerance, comparing like with like:
 * - capacity search: the maximum sustainable rate (lower is worse) and the error rate of the steps
 *   both runs offered (same rps); headline latencies are not compared, they belong to different rates.
 * - open/closed: latency percentiles and the error rate, which counts dropped requests (a request
 *   the plan wanted to send was not served); open: achieved/offered; closed: achieved rps.
 * The error rate compares absolute fractions with a floor, so 0 -> 0.0001 is not an "infinite" regression.
 */
export function compareToBaseline(current: LoadResult, baseline: LoadResult, tolerance: number): Regression[] {
  if (current.mode !== baseline.mode) throw new AgentctlError(`cannot compare ${MODEL[current.mode]} with a baseline that is ${MODEL[baseline.mode]}`, ExitCode.UsageOrInternal)
  const regressions: Regression[] = []
  const check = (metric: string, base: number | undefined, now: number | undefined, worseWhen: 'higher' | 'lower', floor = 0) => {
    if (base === undefined || now === undefined || !Number.isFinite(base) || !Number.isFinite(now)) return
    const denominator = Math.max(Math.abs(base), floor)
    if (denominator === 0) return
    const change = (now - base) / denominator
    const worse = worseWhen === 'higher' ? change > tolerance : -change > tolerance
    if (worse) regressions.push({ metric, baseline: round(base), current: round(now), changePct: Math.round(change * 1000) / 10 })
  }
  if (current.mode === 'capacity') {
    if (!undecidedCapacity(current, baseline, tolerance)) check('max sustainable rps', baseline.capacity?.maxSustainableRps, current.capacity?.maxSustainableRps, 'lower')
    const shared = new Set(baseline.steps.map((s) => s.offeredRps).filter((rps) => current.steps.some((s) => s.offeredRps === rps)))
    const at = (r: LoadResult) => r.steps.filter((s) => shared.has(s.offeredRps))
    if (shared.size) check('error rate (steps both runs offered)', errorRate(at(baseline)), errorRate(at(current)), 'higher', 0.01)
    return regressions
  }
  for (const p of ['p50', 'p95', 'p99'] as const) check(`latency ${p} (ms)`, baseline.latencyMs[p], current.latencyMs[p], 'higher')
  check('error rate', errorRate([baseline]), errorRate([current]), 'higher', 0.01)
  if (current.mode === 'open') check('achieved/offered', keptUp(baseline), keptUp(current), 'lower')
  else check('achieved rps', baseline.achievedRps, current.achievedRps, 'lower')
  return regressions
}

/**
 * Why a lower bound ("at least X", a search that ran out of time or connections) leaves the
 * capacity comparison open, or undefined when it is decided. A current "at least C" clears a
 * measured baseline B when C >= B x (1 - tolerance); a measured C below a baseline's "at least B"
 * floor is a regression whatever B really was; every other pairing with a lower bound can neither
 * show nor rule out a regression (two "at least" runs passed as equal in a new-user trial).
 */
export function undecidedCapacity(current: LoadResult, baseline: LoadResult, tolerance: number): string | undefined {
  const b = baseline.capacity
  const c = current.capacity
  if (!b || !c) return undefined
  const baseLow = b.outcome === 'at-least'
  const nowLow = c.outcome === 'at-least'
  if (!baseLow && !nowLow) return undefined
  const floor = b.maxSustainableRps * (1 - tolerance)
  if (!baseLow && c.maxSustainableRps >= floor) return undefined
  if (baseLow && !nowLow && c.maxSustainableRps < floor) return undefined
  const which = [baseLow ? `the baseline's (at least ${b.maxSustainableRps} rps)` : '', nowLow ? `this run's (at least ${c.maxSustainableRps} rps)` : ''].filter(Boolean).join(' and ')
  return `${which} maximum sustainable rate ${baseLow && nowLow ? 'are lower bounds' : 'is a lower bound'}, so a regression beyond ${Number((tolerance * 100).toFixed(2))}% can be neither shown nor ruled out`
}

/** The error rate the SLO gate reads, over one result or several steps. */
function errorRate(parts: Array<Pick<LoadStep, 'requests' | 'errors'>>): number {
  const sum = (key: 'requests' | 'errors') => parts.reduce((a, p) => a + (p[key] ?? 0), 0)
  return errorRateOf({ requests: sum('requests'), errors: sum('errors') })
}

function keptUp(r: LoadResult): number | undefined {
  return r.offeredRps > 0 ? r.achievedRps / r.offeredRps : undefined
}

const round = (n: number) => Math.round(n * 10_000) / 10_000
