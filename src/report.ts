/**
 * The Report: the one value every renderer reads (contract: docs/CONTRACTS.md "Report").
 * Verdict and score are derived from findings here and nowhere else.
 */
export const SCHEMA_VERSION = '1.0'

export type Status = 'pass' | 'warn' | 'fail' | 'skip' | 'error'
/** How bad a failing check is: 'fail' gates a deploy, 'warn' only warns, 'info' never counts. */
export type Severity = 'info' | 'warn' | 'fail'
/**
 * 'interrupted': Ctrl-C cut the run short. A partial run has no verdict and never passes a gate
 * (docs/CONTRACTS.md "Exit codes"), so it is its own state, ranked above 'fail', not a pass of what ran.
 */
export type Verdict = 'pass' | 'warn' | 'fail' | 'interrupted'
export type CommandName = 'validate' | 'diagnose' | 'load' | 'demo' | 'report'

export const VALIDATE_CATEGORIES = ['config', 'dependencies', 'resilience', 'security'] as const
export const DIAGNOSE_CATEGORIES = ['connectivity', 'performance', 'resources', 'secrets', 'cost'] as const
export type Category = (typeof VALIDATE_CATEGORIES)[number] | (typeof DIAGNOSE_CATEGORIES)[number] | 'load'

export type Evidence = Record<string, unknown>

/**
 * Where in the user's files a finding points, when it points anywhere (a manifest's document, a
 * config key). SARIF (reports/sarif.ts) turns it into a code-scanning location.
 */
export interface FindingLocation {
  /** Path relative to the working directory, '/'-separated. */
  file: string
  /** 1-based line of the document or key, when known. */
  line?: number
  /** Dotted config key (target.url), for findings about a key of agentctl.yaml. */
  key?: string
}

export interface Finding {
  checkId: string
  category: Category
  title: string
  status: Status
  severity: Severity
  message: string
  evidence: Evidence
  remediation: string
  durationMs: number
  location?: FindingLocation
}

export interface LatencySummary {
  p50: number
  p90: number
  p95: number
  p99: number
  max: number
  mean?: number
  min?: number
}

/**
 * Streamed answers (agentctl load --stream): time to first byte, time to first token (the first
 * answer-text delta), inter-token latency (gaps between delta arrivals), all in ms from the
 * request's (intended) send; tokensPerSecond is each answer's decode rate (deltas per second
 * after the first). See harness/LOAD.md "Streaming".
 */
export interface StreamSummary {
  requests: number
  ttfbMs: LatencySummary
  ttftMs: LatencySummary
  itlMs: LatencySummary
  tokensPerSecond: LatencySummary
}

/** One steady window of a load run (a capacity-search step, or the whole run). */
export interface LoadStep {
  offeredRps: number
  achievedRps: number
  requests: number
  errors: number
  dropped?: number
  latencyMs: LatencySummary
  sloPassed?: boolean
  /** Capacity search: why this step broke (an SLO, drops, the achieved rate, a growing queue); absent when it held. */
  breach?: string
  durationMs?: number
}

export interface LoadResult {
  mode: 'closed' | 'open' | 'capacity'
  /** Closed model: the virtual users (a baseline is only comparable at the same concurrency). */
  connections?: number
  /** Length of the measured window. */
  durationMs?: number
  achievedRps: number
  offeredRps: number
  requests: number
  errors: number
  dropped?: number
  latencyMs: LatencySummary
  steps: LoadStep[]
  /** Per-second samples for charts: t is seconds since start. */
  timeline?: Array<{ t: number; rps: number; p50: number; p95: number; p99: number; errors: number }>
  slo?: Array<{ expression: string; metric: string; op: string; threshold: number; /** null: nothing to measure (no successful responses). */ observed: number | null; passed: boolean }>
  capacity?: {
    maxSustainableRps: number
    /** Absent when latency never rose past the low-load noise band ("no knee in range"). */
    kneeRps?: number
    replicasNeeded?: number
    /** At-least outcome: a replica carries at least maxSustainableRps, so this many suffice (an upper bound). */
    replicasAtMost?: number
    targetRps?: number
    headroom?: number
    /** resolved: a bracket within the resolution, confirmed; at-least: a lower bound only; below-first: the first step broke. */
    outcome?: 'resolved' | 'at-least' | 'below-first' | 'interrupted'
    /** The lowest rate that broke above maxSustainableRps. */
    brokeAtRps?: number
    /** brokeAtRps / maxSustainableRps - 1. */
    resolution?: number
    search?: 'adaptive' | 'linear'
  }
  /** Streamed answers (--stream): the headline window's (or the highest held step's) figures. */
  stream?: StreamSummary
  /** usdPerRequest and the figures from it are absent when no model had a price (not measured, never $0). */
  cost?: { tokensPerRequest?: number; usdPerRequest?: number; usdPer1kRequests?: number; usdPerDayAtTarget?: number; dailyBudgetUsd?: number }
  /** HDR histograms (base64, hdr-histogram-js encoding) so reports can be merged or compared later. */
  histograms?: Record<string, string>
  baseline?: { file: string; regressions: Array<{ metric: string; baseline: number; current: number; changePct: number }> }
  aborted?: string
}

export interface Report {
  schemaVersion: string
  tool: { name: string; version: string }
  command: CommandName
  startedAt: string
  durationMs: number
  target: string
  verdict: Verdict
  score: number
  findings: Finding[]
  load?: LoadResult
  /** A combined report (agentctl demo) holds one sub-report per job. */
  sections?: Report[]
}

const STATUS_WEIGHT: Record<Status, number | undefined> = { pass: 1, warn: 0.5, fail: 0, error: 0, skip: undefined }

/** Worst status wins; an 'error' (the check could not decide) gates like a failure. */
export function deriveVerdict(findings: readonly Finding[]): Verdict {
  if (findings.some((f) => f.status === 'fail' || f.status === 'error')) return 'fail'
  if (findings.some((f) => f.status === 'warn')) return 'warn'
  // Every check skipped: nothing was judged, and a gate must not read that as a pass.
  if (nothingJudged(findings)) return 'warn'
  return 'pass'
}

/** Findings, and every one of them a skip: the run could judge nothing (`diagnose --only` on an unconfigured check). */
export function nothingJudged(findings: readonly Finding[]): boolean {
  return findings.length > 0 && findings.every((f) => f.status === 'skip')
}

/** 0-100: passes count 1, warnings 0.5, failures and errors 0; skipped checks don't count. */
export function deriveScore(findings: readonly Finding[]): number {
  const weights = findings.map((f) => STATUS_WEIGHT[f.status]).filter((w): w is number => w !== undefined)
  if (weights.length === 0) return 100
  return Math.round((100 * weights.reduce((a, b) => a + b, 0)) / weights.length)
}

export interface BuildReportInput {
  command: CommandName
  version: string
  startedAt: Date
  target: string
  findings: Finding[]
  load?: LoadResult
  sections?: Report[]
  /** Extra verdict input, e.g. a failed load SLO. */
  forceVerdict?: Verdict
  /** Ctrl-C cut the run short: the verdict is 'interrupted' whatever the findings say. */
  interrupted?: boolean
}

export function buildReport(input: BuildReportInput): Report {
  const all = [...input.findings, ...(input.sections ?? []).flatMap((s) => s.findings)]
  let verdict = deriveVerdict(all)
  for (const section of input.sections ?? []) verdict = worse(verdict, section.verdict)
  if (input.forceVerdict) verdict = worse(verdict, input.forceVerdict)
  if (input.interrupted) verdict = 'interrupted'
  return {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'agentctl', version: input.version },
    command: input.command,
    startedAt: input.startedAt.toISOString(),
    durationMs: Date.now() - input.startedAt.getTime(),
    target: input.target,
    verdict,
    score: deriveScore(all),
    findings: input.findings,
    ...(input.load ? { load: input.load } : {}),
    ...(input.sections ? { sections: input.sections } : {}),
  }
}

const VERDICT_RANK: Record<Verdict, number> = { pass: 0, warn: 1, fail: 2, interrupted: 3 }
export function worse(a: Verdict, b: Verdict): Verdict {
  return VERDICT_RANK[a] >= VERDICT_RANK[b] ? a : b
}

/** Does this verdict fail the gate at the given --fail-on level? An interrupted run always does. */
export function gateFails(verdict: Verdict, failOn: 'warn' | 'fail'): boolean {
  return VERDICT_RANK[verdict] >= VERDICT_RANK[failOn]
}
