/**
 * Formatting helpers the renderers share, so every format words and orders things the same way.
 * Pure functions: no I/O, no clock, no environment.
 */
import { errorRateOf, NO_SUCCESS_NOTE } from '../src/load/slo.js'
import type { Category, Finding, FindingLocation, LoadResult, Report, Status } from '../src/report.js'
import { nothingJudged } from '../src/report.js'
import type { CheckDoc } from './sarif.js'

export interface RenderOptions {
  /** ANSI colour in the table renderer. The caller decides (TTY, NO_COLOR, --no-color); default off. */
  color?: boolean
  /** Terminal width for the table renderer (process.stdout.columns); default 120. */
  width?: number
  /** SARIF rule text per check id (catalogue line and README); the caller reads them. */
  checkDocs?: Readonly<Record<string, CheckDoc>>
  /** SARIF: where the target is declared (the config's target.url), for findings without a location. */
  sarifTargetLocation?: FindingLocation
}

/** Worst first: what needs attention leads every listing. */
export const STATUS_ORDER: readonly Status[] = ['fail', 'error', 'warn', 'skip', 'pass']

export const STATUS_LABEL: Record<Status, string> = { pass: 'PASS', warn: 'WARN', fail: 'FAIL', skip: 'SKIP', error: 'ERROR' }

export const CATEGORY_LABEL: Record<Category, string> = {
  config: 'Configuration',
  dependencies: 'Dependencies',
  resilience: 'Resilience',
  security: 'Security',
  connectivity: 'Connectivity',
  performance: 'Performance',
  resources: 'Resources',
  secrets: 'Secrets',
  cost: 'Cost',
  load: 'Load',
}

export const JOB_TITLE: Record<Report['command'], string> = {
  validate: 'Validate (deploy gate)',
  diagnose: 'Diagnose (incident triage)',
  load: 'Load (capacity)',
  demo: 'Demo',
  report: 'Report',
}

export function countByStatus(findings: readonly Finding[]): Record<Status, number> {
  const counts: Record<Status, number> = { pass: 0, warn: 0, fail: 0, skip: 0, error: 0 }
  for (const f of findings) counts[f.status]++
  return counts
}

/** "3 fail, 1 warn, 12 pass" — zero counts left out, worst first. */
export function countsLine(findings: readonly Finding[]): string {
  const counts = countByStatus(findings)
  const parts = STATUS_ORDER.filter((s) => counts[s] > 0).map((s) => `${counts[s]} ${s}`)
  return parts.length ? parts.join(', ') : 'no findings'
}

/** Findings ordered worst status first, then by category and check id (stable and readable). */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) => STATUS_ORDER.indexOf(a.status) - STATUS_ORDER.indexOf(b.status) || a.category.localeCompare(b.category) || a.checkId.localeCompare(b.checkId),
  )
}

/** Groups by category, categories in first-seen order; each group sorted worst first. */
export function groupByCategory(findings: readonly Finding[]): Array<{ category: Category; findings: Finding[] }> {
  const groups = new Map<Category, Finding[]>()
  for (const f of findings) groups.set(f.category, [...(groups.get(f.category) ?? []), f])
  return [...groups].map(([category, list]) => ({ category, findings: sortFindings(list) }))
}

/** Evidence as display pairs; nested values become compact JSON, long values are cut. */
export function evidenceEntries(evidence: Record<string, unknown>, maxLength = 400): Array<[string, string]> {
  return Object.entries(evidence ?? {}).map(([key, value]) => {
    const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value))
    return [key, text.length > maxLength ? `${text.slice(0, maxLength - 1)}…` : text]
  })
}

export function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return '–'
  if (ms === 0) return '0ms'
  if (ms < 1) return '<1ms'
  if (ms < 1000) return `${Math.round(ms)}ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)}s`
  return `${(ms / 60_000).toFixed(1)}m`
}

export function fmtNum(n: number, digits = 1): string {
  if (!Number.isFinite(n)) return '–'
  return Number.isInteger(n) ? n.toLocaleString('en-US') : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 })
}

export function fmtUsd(n: number): string {
  if (!Number.isFinite(n)) return '–'
  if (n !== 0 && Math.abs(n) < 0.01) return `$${n.toPrecision(2)}`
  return `$${n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`
}

export function fmtPct(ratio: number, digits = 1): string {
  return Number.isFinite(ratio) ? `${(ratio * 100).toFixed(digits)}%` : '–'
}

/** The SLO's error rate (failed responses over responses; dropped sends are the generator's, not in it). */
export const errorRate: (load: Pick<LoadResult, 'requests' | 'errors'>) => number = errorRateOf

/** A step's latency percentile, or "–" when no response succeeded (its zeros are no measurement). */
export function fmtStepLatency(step: { requests: number; errors: number; latencyMs: { p50: number; p95: number; p99: number } }, p: 'p50' | 'p95' | 'p99'): string {
  return step.requests - step.errors <= 0 ? '–' : fmtMs(step.latencyMs[p])
}

/** The headline numbers of a load run, as label/value pairs every renderer shows. */
export function loadSummaryRows(load: LoadResult): Array<[string, string]> {
  // Latency covers successful responses only; with none, the summary's zeros are no measurement.
  const noLatency = load.requests - load.errors <= 0
  const rows: Array<[string, string]> = [
    ['Mode', load.mode],
    ['Offered / achieved (successful)', `${fmtNum(load.offeredRps)} / ${fmtNum(load.achievedRps)} req/s`],
    ['Requests', `${fmtNum(load.requests)} (${fmtNum(load.errors)} errors, ${fmtPct(errorRate(load), 2)} error rate)`],
    ['Latency p50 / p95 / p99', noLatency ? `– (${NO_SUCCESS_NOTE})` : `${fmtMs(load.latencyMs.p50)} / ${fmtMs(load.latencyMs.p95)} / ${fmtMs(load.latencyMs.p99)}`],
    ['Latency max', noLatency ? '–' : fmtMs(load.latencyMs.max)],
  ]
  if (load.dropped) rows.push(['Dropped by agentctl (no free connection)', fmtNum(load.dropped)])
  if (load.stream) {
    const s = load.stream
    const pcts = (l: { p50: number; p95: number; p99: number }) => `${fmtMs(l.p50)} / ${fmtMs(l.p95)} / ${fmtMs(l.p99)}`
    rows.push(['Streamed answers', fmtNum(s.requests)], ['TTFT p50 / p95 / p99', pcts(s.ttftMs)], ['ITL p50 / p95 / p99', pcts(s.itlMs)], ['TTFB p50 / p95 / p99', pcts(s.ttfbMs)])
    rows.push(['Tokens/s per answer p50 / min', `${fmtNum(s.tokensPerSecond.p50, 1)} / ${fmtNum(s.tokensPerSecond.min ?? 0, 1)}`])
  }
  if (load.capacity) {
    const c = load.capacity
    // No rate held: a "0 req/s" would read as a measured capacity of nothing.
    const firstRate = load.steps?.[0]?.offeredRps
    const rate =
      c.outcome === 'below-first' && firstRate !== undefined
        ? `below ${fmtNum(firstRate)} req/s per replica (the first step broke)`
        : c.outcome === 'interrupted' && !c.maxSustainableRps
          ? 'not measured (interrupted before a rate held)'
          : `${c.outcome === 'at-least' ? 'at least ' : ''}${fmtNum(c.maxSustainableRps)} req/s per replica${c.brokeAtRps !== undefined ? ` (broke at ${fmtNum(c.brokeAtRps)})` : ''}`
    rows.push(['Max sustainable rate', rate])
    rows.push(['Knee', c.kneeRps !== undefined ? `${fmtNum(c.kneeRps)} req/s` : 'no knee in range'])
    const sizing = `${c.targetRps !== undefined ? ` for ${fmtNum(c.targetRps)} req/s` : ''}${c.headroom !== undefined ? ` (${fmtPct(c.headroom, 0)} headroom)` : ''}`
    if (c.replicasNeeded !== undefined) rows.push(['Replicas needed', `${c.replicasNeeded}${sizing}`])
    if (c.replicasAtMost !== undefined) rows.push(['Replicas needed', `at most ${c.replicasAtMost}${sizing}`])
  }
  if (load.cost) {
    const c = load.cost
    if (c.usdPerRequest !== undefined) rows.push(['Cost per request', fmtUsd(c.usdPerRequest)])
    if (c.usdPer1kRequests !== undefined) rows.push(['Cost per 1k requests', fmtUsd(c.usdPer1kRequests)])
    if (c.usdPerDayAtTarget !== undefined) rows.push(['Cost per day at target', `${fmtUsd(c.usdPerDayAtTarget)}${c.dailyBudgetUsd !== undefined ? ` (budget ${fmtUsd(c.dailyBudgetUsd)})` : ''}`])
    if (c.tokensPerRequest !== undefined) rows.push(['Tokens per request', fmtNum(c.tokensPerRequest, 0)])
  }
  if (load.aborted) rows.push(['Aborted', load.aborted])
  return rows
}

export function fmtChange(pct: number): string {
  return `${pct > 0 ? '+' : ''}${pct.toFixed(1)}%`
}

/**
 * The score as a renderer prints it. An interrupted run's score covers only the checks that
 * finished, so it says so: it is not the run's grade (the verdict is 'interrupted').
 */
export function scoreText(report: Pick<Report, 'verdict' | 'score'> & { findings?: Report['findings'] }): string {
  if (report.verdict === 'interrupted') return `partial score ${report.score}/100 (finished checks only)`
  return report.findings && nothingJudged(report.findings) ? 'no score: every check skipped, nothing was judged' : `score ${report.score}/100`
}

/**
 * A capacity step's verdict for the steps table: 'held', or 'broke' with why (an SLO, drops, the
 * achieved rate, a growing queue). A step can break with every SLO inside its limits, so the
 * column says held/broke rather than the SLO alone. Reports written before `breach` existed fall
 * back to the SLO result.
 */
export function stepVerdict(step: { sloPassed?: boolean; breach?: string }): { held: boolean; label: string; reason?: string } | undefined {
  if (step.breach) return { held: false, label: 'broke', reason: step.breach }
  if (step.sloPassed === undefined) return undefined
  return step.sloPassed ? { held: true, label: 'held' } : { held: false, label: 'breached' }
}
