import type { Check, CheckContext, CheckMode, CheckOutcome } from './check.js'
import type { AgentctlConfig } from './config/schema.js'
import type { Category, Finding } from './report.js'
import { pointAtTraces } from './traces.js'

export interface RunOptions {
  mode: CheckMode
  config: AgentctlConfig
  /** Default per-check budget (--timeout). */
  timeoutMs: number
  /** Check ids or categories to keep / drop (--only / --skip). */
  only?: readonly string[]
  skip?: readonly string[]
  /** Options for the checks of this run; each check receives the keys its `options` schema declares. */
  options?: Record<string, unknown>
  shared?: Map<string, unknown>
  /** Aborts every running check (Ctrl-C). */
  signal?: AbortSignal
  onStart?: (check: Check) => void
  onFinish?: (check: Check, findings: Finding[]) => void
  log?: (message: string) => void
}

export function categoryOf(check: Check, mode: CheckMode): Category {
  return check.categoryByMode?.[mode] ?? check.category
}

/** Selects the checks a run applies: by mode, then --only/--skip by id or category. */
export function selectChecks(checks: readonly Check[], opts: Pick<RunOptions, 'mode' | 'only' | 'skip'>): Check[] {
  const matches = (check: Check, names: readonly string[]) => names.includes(check.id) || names.includes(categoryOf(check, opts.mode))
  return checks.filter(
    (check) =>
      check.appliesTo.includes(opts.mode) &&
      (!opts.only?.length || matches(check, opts.only)) &&
      !(opts.skip?.length && matches(check, opts.skip)),
  )
}

/**
 * Runs checks concurrently, each under its own timeout and AbortSignal. Checks sharing a `lock`
 * run one after another. A check that throws or overruns becomes an `error` finding; the runner
 * itself never throws for a check's sake.
 */
export async function runChecks(checks: readonly Check[], opts: RunOptions): Promise<Finding[]> {
  const options = checkOptions(checks, opts.options ?? {})
  const shared = opts.shared ?? new Map<string, unknown>()
  const lanes = new Map<string, Check[]>()
  for (const check of checks) {
    const lane = check.lock ?? `solo:${check.id}`
    lanes.set(lane, [...(lanes.get(lane) ?? []), check])
  }
  const results = new Map<Check, Finding[]>()
  await Promise.all(
    [...lanes.values()].map(async (lane) => {
      for (const check of lane) results.set(check, opts.signal?.aborted ? notStarted(check, opts) : await runOne(check, { ...opts, options: options.get(check) }, shared))
    }),
  )
  // Keep the catalogue's order so reports are stable from run to run.
  return checks.flatMap((check) => results.get(check) ?? [])
}

async function runOne(check: Check, opts: RunOptions, shared: Map<string, unknown>): Promise<Finding[]> {
  const override = opts.config.checks?.[check.id]
  if (override === 'off') return [toFinding(check, { status: 'skip', message: `disabled in config (checks.${check.id}: off)` }, 0, 'fail', opts.mode)]
  const severity = severityOf(check, opts)
  const timeoutMs = check.timeoutMs && check.timeoutMs > opts.timeoutMs ? check.timeoutMs : opts.timeoutMs
  const controller = new AbortController()
  const onParentAbort = () => controller.abort(opts.signal?.reason)
  opts.signal?.addEventListener('abort', onParentAbort, { once: true })
  if (opts.signal?.aborted) controller.abort(opts.signal.reason)
  const ctx: CheckContext = {
    mode: opts.mode,
    checkId: check.id,
    config: opts.config,
    signal: controller.signal,
    timeoutMs,
    startedAt: performance.now(),
    options: opts.options ?? {},
    shared,
    log: opts.log ?? (() => {}),
  }
  opts.onStart?.(check)
  const started = performance.now()
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs)
  })
  let outcomes: CheckOutcome[]
  try {
    const result = await Promise.race([Promise.resolve().then(() => check.run(ctx)), deadline])
    if (result === 'timeout' && opts.signal?.aborted) {
      outcomes = [INTERRUPTED]
    } else if (result === 'timeout') {
      controller.abort(new Error(`check timed out after ${timeoutMs}ms`))
      outcomes = [
        {
          status: 'error',
          message: `did not finish within ${timeoutMs}ms`,
          evidence: { timeoutMs },
          remediation: 'The dependency this check probes is not answering in time; check it directly, or raise --timeout if it is merely slow.',
        },
      ]
    } else {
      outcomes = Array.isArray(result) ? result : [result]
      // An error once Ctrl-C aborted the check is the abort's doing (a refused probe, a mock the
      // restore hook reset), not a finding about the service: say it was interrupted, keep the message.
      if (opts.signal?.aborted) outcomes = outcomes.map((o) => (o.status === 'error' ? { ...INTERRUPTED, evidence: { ...INTERRUPTED.evidence, checkSaid: o.message } } : o))
    }
  } catch (error) {
    const err = error instanceof Error ? error : new Error(String(error))
    outcomes = [opts.signal?.aborted ? INTERRUPTED : { status: 'error', message: `check crashed: ${err.message}`, evidence: { error: err.name }, remediation: 'This is a defect in the check, not in your service; please report it with the JSON report attached.' }]
  } finally {
    clearTimeout(timer)
    opts.signal?.removeEventListener('abort', onParentAbort)
    if (!controller.signal.aborted) controller.abort(new Error('check finished'))
  }
  const durationMs = Math.round(performance.now() - started)
  const findings = outcomes.map((o) => toFinding(check, pointAtTraces(o, opts.config.target.traceUrl, opts.mode), durationMs, severity, opts.mode))
  opts.onFinish?.(check, findings)
  return findings
}

/** A check Ctrl-C stopped before it finished: not judged, and not the check's fault either. */
const INTERRUPTED: CheckOutcome = {
  status: 'skip',
  message: 'interrupted (Ctrl-C) before it finished: not judged',
  evidence: { interrupted: true },
  remediation: 'Rerun to completion to judge this check.',
}

function severityOf(check: Check, opts: RunOptions): 'warn' | 'fail' {
  const override = opts.config.checks?.[check.id]
  return override && override !== 'off' ? override : check.severity
}

/** A check whose turn in its lane came after Ctrl-C: never run. */
function notStarted(check: Check, opts: RunOptions): Finding[] {
  const findings = [toFinding(check, { ...INTERRUPTED, message: 'interrupted (Ctrl-C) before it started: not judged' }, 0, severityOf(check, opts), opts.mode)]
  opts.onFinish?.(check, findings)
  return findings
}

/** Thrown before any check runs: the caller (a job, a test, an embedder) passed options wrongly. */
export class CheckOptionsError extends Error {
  override name = 'CheckOptionsError'
}

/** The options keys the checks declare (a job passes only these: its other settings concern other checks). */
export function declaredOptions(checks: readonly Check[], options: Record<string, unknown>): Record<string, unknown> {
  const declared = new Set(checks.flatMap((c) => Object.keys(c.options?.shape ?? {})))
  return Object.fromEntries(Object.entries(options).filter(([key]) => declared.has(key)))
}

/**
 * Each check's options, parsed through its schema (defaults applied). A key no check of the run
 * declares, or a value a schema refuses, throws: a typo must not be silently ignored.
 */
function checkOptions(checks: readonly Check[], options: Record<string, unknown>): Map<Check, Record<string, unknown>> {
  const unknown = Object.keys(options).filter((key) => !checks.some((c) => c.options && key in c.options.shape))
  if (unknown.length > 0) {
    const known = [...new Set(checks.flatMap((c) => Object.keys(c.options?.shape ?? {})))]
    throw new CheckOptionsError(`unknown check option ${unknown.map((k) => `"${k}"`).join(', ')}: no check of this run declares it (declared: ${known.join(', ') || 'none'})`)
  }
  const parsed = new Map<Check, Record<string, unknown>>()
  for (const check of checks) {
    if (!check.options) {
      parsed.set(check, {})
      continue
    }
    const own = Object.fromEntries(Object.entries(options).filter(([key]) => key in check.options!.shape))
    const result = check.options.safeParse(own)
    if (!result.success) throw new CheckOptionsError(`invalid options for ${check.id}: ${result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`)
    parsed.set(check, result.data as Record<string, unknown>)
  }
  return parsed
}

function toFinding(check: Check, o: CheckOutcome, durationMs: number, severity: 'warn' | 'fail', mode: CheckMode): Finding {
  // A check configured (or defaulting) to 'warn' can never fail the gate on its own.
  const status = o.status === 'fail' && severity === 'warn' ? 'warn' : o.status
  return {
    checkId: check.id,
    category: categoryOf(check, mode),
    title: o.title ?? check.title,
    status,
    severity,
    message: o.message,
    evidence: o.evidence ?? {},
    remediation: o.remediation ?? '',
    durationMs,
    ...(o.location ? { location: o.location } : {}),
  }
}
