import { readFileSync } from 'node:fs'
import { AgentctlError, ExitCode } from '../exit-codes.js'
import type { LoadResult, Report } from '../report.js'

export type Regression = NonNullable<LoadResult['baseline']>['regressions'][number]

/** Parses '10%' or '0.1' into a fraction. */
export function parseTolerance(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(%)?\s*$/.exec(text)
  if (!match) throw new AgentctlError(`invalid tolerance "${text}"`, ExitCode.UsageOrInternal, 'write a percentage such as 10% (or a fraction such as 0.1)')
  const value = Number(match[1])
  const fraction = match[2] ? value / 100 : value > 1 ? value / 100 : value
  if (fraction >= 10) throw new AgentctlError(`tolerance "${text}" is too large`, ExitCode.UsageOrInternal)
  return fraction
}

/** Reads the `load` section of a previous `agentctl load -o old.json` report. */
export function readBaseline(file: string): LoadResult {
  let parsed: Partial<Report> & { load?: LoadResult }
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'))
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new AgentctlError(`cannot read baseline ${file}: ${code ?? 'not valid JSON'}`, ExitCode.UsageOrInternal, 'pass a JSON report written earlier with `agentctl load -o baseline.json`')
  }
  if (!parsed?.load?.latencyMs) {
    throw new AgentctlError(`baseline ${file} has no load results`, ExitCode.UsageOrInternal, 'pass a JSON report written by `agentctl load -o baseline.json`')
  }
  return parsed.load
}

/**
 * What got worse beyond the tolerance. Latency percentiles and the error rate regress upwards;
 * throughput (and the capacity search's maximum sustainable rate) regresses downwards. The error
 * rate compares absolute fractions with a floor, so 0 -> 0.0001 is not an "infinite" regression.
 */
export function compareToBaseline(current: LoadResult, baseline: LoadResult, tolerance: number): Regression[] {
  const regressions: Regression[] = []
  const check = (metric: string, base: number | undefined, now: number | undefined, worseWhen: 'higher' | 'lower', floor = 0) => {
    if (base === undefined || now === undefined || !Number.isFinite(base) || !Number.isFinite(now)) return
    const denominator = Math.max(Math.abs(base), floor)
    if (denominator === 0) return
    const change = (now - base) / denominator
    const worse = worseWhen === 'higher' ? change > tolerance : -change > tolerance
    if (worse) regressions.push({ metric, baseline: base, current: now, changePct: Math.round(change * 1000) / 10 })
  }
  for (const p of ['p50', 'p95', 'p99'] as const) check(`latency ${p} (ms)`, baseline.latencyMs[p], current.latencyMs[p], 'higher')
  check('error rate', errorRate(baseline), errorRate(current), 'higher', 0.01)
  if (baseline.mode === current.mode && baseline.mode !== 'open') check('achieved rps', baseline.achievedRps, current.achievedRps, 'lower')
  check('max sustainable rps', baseline.capacity?.maxSustainableRps, current.capacity?.maxSustainableRps, 'lower')
  return regressions
}

function errorRate(r: LoadResult): number {
  return r.requests > 0 ? r.errors / r.requests : 0
}
