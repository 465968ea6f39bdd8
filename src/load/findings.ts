import { classifyNetError, type NetErrorKind } from '../probes/errors.js'
import type { Finding, LoadResult, Status } from '../report.js'
import type { CostResult } from './cost.js'
import type { Regression } from './baseline.js'
import { formatObserved, type SloResult } from './slo.js'

/** What the adaptive search measures before its first step (harness/load/probe.ts), in the finding's evidence. */
export interface CapacityProbe {
  requests: number
  failed: number
  /** One-at-a-time latency: the median of the probe requests after the first. */
  latencyMs: number
  /** The closed-model bursts: the throughput ceiling with a bounded backlog. */
  throughput?: {
    rps: number
    concurrency: number
    /** False when the bursts ran out of users or time while still adding throughput: rps is a lower bound. */
    saturated: boolean
    bursts: ThroughputBurst[]
  }
}

export interface ThroughputBurst {
  concurrency: number
  /** Successful answers per second while every user kept one request in flight (Little's law). */
  rps: number
  ok: number
  failed: number
  p50Ms: number
}

export interface FindingsInput {
  load: LoadResult
  slo: SloResult[]
  cost?: CostResult
  costRequested: boolean
  capacity?: {
    maxSustainableRps: number
    kneeRps: number
    kneeFound: boolean
    stopReason: string
    outcome?: 'resolved' | 'at-least' | 'below-first' | 'interrupted'
    brokeAtRps?: number
    resolution?: number
    kneeRule?: string
    generatorLimited?: boolean
    probe?: CapacityProbe
  }
  /** undecided: why the capacity comparison is open (a lower bound on either side), baseline.ts undecidedCapacity. */
  regressions?: { file: string; tolerance: number; list: Regression[]; undecided?: string }
  /**
   * How the advice of an "at least" capacity names the next run, followed by "with a higher
   * --max-rps …". Default: "rerun the same `agentctl load --find-capacity` command"; the demo,
   * whose user typed no command, names the one to run.
   */
  rerun?: string
  statuses: Record<string, number>
  /** Open model: how far behind schedule the load generator ran. */
  scheduler?: { maxLagMs: number; lateSendRatio: number }
  abortReason?: string
  durationMs: number
}

const finding = (f: Omit<Finding, 'category' | 'durationMs'> & { durationMs?: number }): Finding => ({ category: 'load', durationMs: 0, ...f })

const SLO_REMEDIATION: Record<string, string> = {
  latency:
    'find where the time goes: compare agent_llm_request_duration_seconds with agent_http_request_duration_seconds (LLM vs the agent itself), then cut LLM round-trips per request, cache, or add replicas (agentctl load --find-capacity tells how many)',
  error_rate: 'the failed answers by kind are in the message (all of them in the evidence): 429s mean a rate limit (agent or provider), 5xx and timeouts mean overload or a failing dependency; run agentctl diagnose while the load runs',
  rps: 'the target could not keep up with the offered rate: run agentctl load --find-capacity to find its sustainable rate',
}

function unitOf(metric: string): string {
  if (metric === 'error_rate') return 'fraction'
  if (metric === 'rps' || metric === 'achieved_rps') return 'requests/s'
  return 'ms'
}

/** A threshold in its metric's unit, printed like the observed value (slo.ts). */
function showThreshold(r: SloResult): string {
  return formatObserved({ metric: r.metric, observed: r.threshold })
}

/** Transport failures (src/probes/errors.ts kinds) in which the request never got to the agent. */
const NEVER_REACHED = new Set<NetErrorKind>(['refused', 'dns', 'unreachable', 'reset', 'tls'])

/**
 * When most requests never reached the agent, that is the cause to name: advice about overload or
 * LLM round-trips would blame an agent that never saw the traffic (a fresh-user trial of `load`
 * against a closed port got exactly that).
 */
function unreachedNote(statuses: Record<string, number>, requests: number): string | undefined {
  // Status keys are HTTP codes, outcome kinds ('in-band-error', 'timeout') or transport error codes.
  const hits = Object.entries(statuses)
    .filter(([code]) => /^[A-Z][A-Z0-9_]+$/.test(code))
    .map(([code, n]) => ({ code, n, ...classifyNetError({ code }) }))
    .filter((h) => NEVER_REACHED.has(h.kind))
    .sort((a, b) => b.n - a.n)
  const total = hits.reduce((sum, h) => sum + h.n, 0)
  if (requests === 0 || total < 0.5 * requests) return undefined
  return `${total} of ${requests} requests never reached the agent (${hits.map((h) => `${h.code} x${h.n}: ${h.summary}`).join('; ')}): check the target URL and that the agent is running (agentctl diagnose)`
}

/**
 * The failed answers by outcome, most frequent first ("HTTP 429 x8, timeout x2"): what a failed
 * error rate is made of, in its message, where a user reads it (the evidence has the full map).
 */
function failureCounts(statuses: Record<string, number>): string {
  const failed = Object.entries(statuses).filter(([key]) => !/^[23]\d\d$/.test(key))
  failed.sort((a, b) => b[1] - a[1])
  const shown = failed.slice(0, 4).map(([key, n]) => `${/^\d{3}$/.test(key) ? `HTTP ${key}` : key} x${n}`)
  return shown.join(', ') + (failed.length > 4 ? `, ${failed.length - 4} more kinds` : '')
}

/** One finding per SLO threshold, plus throughput, capacity, cost, baseline and interruption findings. */
export function loadFindings(input: FindingsInput): Finding[] {
  const { load } = input
  const findings: Finding[] = []
  const seen = new Map<string, number>()
  // Interrupted before any request was measured (Ctrl-C in the warm-up): thresholds and throughput
  // are unknown, and an observed 0 ms p95 must not read as a pass.
  const measured = load.requests + (load.dropped ?? 0) > 0
  const notMeasured = 'not measured: the run ended before any request completed in the measured window'
  const unreached = unreachedNote(input.statuses, load.requests)
  for (const r of input.slo) {
    const n = (seen.get(r.metric) ?? 0) + 1
    seen.set(r.metric, n)
    const kind = r.metric === 'error_rate' ? 'error_rate' : r.metric.endsWith('rps') ? 'rps' : 'latency'
    const failures = kind === 'error_rate' && !r.passed ? failureCounts(input.statuses) : ''
    findings.push(
      finding({
        checkId: `load-slo-${r.metric.replace('_', '-')}${n > 1 ? `-${n}` : ''}`,
        title: `SLO ${r.expression}`,
        status: !measured ? 'skip' : r.passed ? 'pass' : 'fail',
        severity: 'fail',
        message: !measured ? notMeasured : `${r.note ? `${r.metric}: ${r.note} to measure` : `${r.metric} was ${formatObserved(r)}`} (threshold ${r.op} ${showThreshold(r)})${failures ? `: ${failures}` : ''}${load.mode === 'capacity' ? ` at ${load.offeredRps} rps, ${input.capacity && input.capacity.maxSustainableRps === 0 ? 'the first step (none held)' : 'the highest step that held'}` : ''}`,
        evidence: { expression: r.expression, observed: r.observed, threshold: r.threshold, op: r.op, unit: unitOf(r.metric), requests: load.requests, mode: load.mode, ...(r.metric === 'error_rate' ? { statuses: input.statuses } : {}) },
        remediation: r.passed || !measured ? '' : (unreached ?? SLO_REMEDIATION[kind]!),
      }),
    )
  }
  if (load.mode !== 'closed' && measured) findings.push(throughputFinding(load, input.scheduler, input.capacity))
  if (input.capacity) findings.push(capacityFinding(load, input.capacity, input.rerun ?? 'rerun the same `agentctl load --find-capacity` command'))
  if (input.costRequested) findings.push(costFinding(input.cost))
  if (input.regressions) {
    const { list, file, tolerance, undecided } = input.regressions
    const pct = `${Number((tolerance * 100).toFixed(2))}%`
    const compared = load.mode === 'capacity' ? 'the maximum sustainable rate and the error rate' : `latency, error rate (dropped included) and ${load.mode === 'open' ? 'achieved/offered rate' : 'throughput'}`
    findings.push(
      finding({
        checkId: 'load-baseline',
        title: `No regression against ${file}`,
        status: list.length ? 'fail' : undecided ? 'warn' : 'pass',
        severity: 'fail',
        message: list.length
          ? `${list.length} regression${list.length > 1 ? 's' : ''} beyond ${pct}: ${list.map((r) => `${r.metric} ${r.baseline} -> ${r.current} (${r.changePct > 0 ? '+' : ''}${r.changePct}%)`).join('; ')}${undecided ? `; inconclusive on capacity: ${undecided}` : ''}`
          : undecided
            ? `inconclusive: ${undecided} (the error rate of the steps both runs offered is within ${pct})`
            : `within ${pct} of the baseline on ${compared}`,
        evidence: { baseline: file, tolerancePct: tolerance * 100, regressions: list, ...(undecided ? { undecided } : {}) },
        remediation: list.length
          ? 'render both reports (agentctl report old.json -o old.html, then the new one) and compare them step by step; bisect the change that slowed the agent'
          : undecided
            ? 'compare resolved capacities: rerun (and record the baseline) with the --max-connections or --max-duration the "at least" finding asks for'
            : '',
      }),
    )
  }
  if (input.abortReason) {
    findings.push(
      finding({ checkId: 'load-run', title: 'Load run completed', status: 'warn', severity: 'warn', message: input.abortReason, evidence: { aborted: input.abortReason, measuredMs: input.durationMs }, remediation: 'rerun to completion for results you can plan on' }),
    )
  }
  return findings
}

/** More than this share of sends leaving late means the client machine, not the target, limits the figures. */
const LATE_SEND_LIMIT = 0.05

function throughputFinding(load: LoadResult, scheduler: FindingsInput['scheduler'], search: FindingsInput['capacity']): Finding {
  const capacity = load.mode === 'capacity'
  const ratio = load.offeredRps > 0 ? load.achievedRps / load.offeredRps : 1
  // In a search, sends dropped in steps the agent broke anyway (it fell behind and kept every
  // connection busy) are its doing; only a step broken by drops alone is the generator's limit
  // (harness/load/capacity.ts judgeStep, which sets generatorLimited).
  const agentDrops = capacity && search !== undefined && !search.generatorLimited ? (load.dropped ?? 0) : 0
  const dropped = (load.dropped ?? 0) - agentDrops
  const late = (scheduler?.lateSendRatio ?? 0) > LATE_SEND_LIMIT
  // In a capacity search the breaking step is expected to fall behind; only the generator matters.
  const behind = !capacity && ratio < 0.9
  // Achieved counts successful responses: a shortfall made of failed responses is not queueing.
  const failedShare = load.requests > 0 ? load.errors / load.requests : 0
  const failing = behind && failedShare > 0 && failedShare >= (1 - ratio) / 2
  const status: Status = late || behind || dropped > 0 ? 'warn' : 'pass'
  const lateText = late ? `the load generator ran behind schedule (${Math.round(scheduler!.lateSendRatio * 100)}% of sends >10 ms late, worst ${Math.round(scheduler!.maxLagMs)} ms): latencies include that delay` : ''
  // Drops are agentctl's limit (issue 16): sends it could not make with every connection busy.
  const dropText = dropped ? `agentctl dropped ${dropped} sends it could not make on time (every connection busy): the load generator's limit, not counted as the agent's errors` : ''
  const agentDropText = agentDrops ? `the ${agentDrops} sends dropped in steps the agent had already broken are its doing: it fell behind and kept every connection busy` : ''
  const schedule = [dropText, lateText].filter(Boolean).join('; ')
  return finding({
    checkId: 'load-throughput',
    title: capacity ? 'Load generator kept its schedule' : 'Achieved rate keeps up with the offered rate',
    status,
    severity: 'warn',
    message: capacity
      ? schedule || (agentDrops ? `every step was offered on schedule until the agent fell behind; ${agentDropText}` : 'every step was offered on schedule, nothing dropped')
      : `offered ${load.offeredRps} rps, achieved ${load.achievedRps} rps of successful responses (${Math.round(ratio * 100)}%)${failing ? `; ${Math.round(failedShare * 100)}% of responses failed` : ''}${schedule ? `; ${schedule}` : ''}`,
    evidence: { offeredRps: load.offeredRps, achievedRps: load.achievedRps, dropped: load.dropped ?? 0, ...(agentDrops ? { droppedInStepsTheAgentBroke: agentDrops } : {}), requests: load.requests, ...(scheduler ? { schedulerMaxLagMs: scheduler.maxLagMs, lateSendRatio: scheduler.lateSendRatio } : {}) },
    remediation: dropped
      ? capacity
        ? 'raise --max-connections (the search sizes connections from the latency, up to it), if this machine and the target can hold that many sockets'
        : 'raise --connections (the in-flight cap of the open model), up to --max-connections'
      : late
        ? 'run agentctl on a machine (or container) with idle CPU, away from the target, or lower the rate; the figures are pessimistic until then'
        : failing
          ? 'the shortfall is failed responses, not queueing: see the status counts in the error-rate finding and fix those first'
          : behind
            ? 'the target is past its capacity at this rate (latency is queueing): lower --rate, or run --find-capacity'
            : '',
  })
}

const rps = (n: number) => `${Number(n.toPrecision(4))} rps`

function capacityFinding(load: LoadResult, c: NonNullable<FindingsInput['capacity']>, rerun: string): Finding {
  const cap = load.capacity!
  const base = { checkId: 'load-capacity', title: 'Sustainable rate per replica', severity: 'fail' as const }
  const outcome = c.outcome ?? (c.stopReason === 'interrupted' ? 'interrupted' : c.maxSustainableRps > 0 ? 'resolved' : 'below-first')
  // Ctrl-C before the first step ended says nothing about the target: not a failure.
  if (outcome === 'interrupted' && c.maxSustainableRps === 0) {
    return finding({ ...base, status: 'skip', message: 'interrupted before the first step completed', evidence: { stopReason: c.stopReason }, remediation: '' })
  }
  const headroom = `${cap.targetRps} rps with ${Math.round((cap.headroom ?? 0) * 100)}% headroom`
  const plural = (n: number) => `${n} replica${n > 1 ? 's' : ''}`
  const replicas =
    cap.replicasNeeded !== undefined
      ? `; ${plural(cap.replicasNeeded)} for ${headroom}`
      : cap.replicasAtMost !== undefined
        ? `; at most ${plural(cap.replicasAtMost)} for ${headroom} (each carries at least ${rps(c.maxSustainableRps)})`
        : ''
  const knee = c.kneeFound ? `knee at ${rps(c.kneeRps)}` : 'no knee in range'
  const bracket = c.brokeAtRps !== undefined ? `held ${rps(c.maxSustainableRps)}, broke at ${rps(c.brokeAtRps)} (resolution ${Math.round((c.resolution ?? 0) * 100)}%)` : `held ${rps(c.maxSustainableRps)}, nothing broke`
  const evidence = {
    ...cap, kneeFound: c.kneeFound, ...(c.kneeRule ? { kneeRule: c.kneeRule } : {}), stopReason: c.stopReason, ...(c.probe ? { probe: c.probe } : {}),
    steps: load.steps.map((s) => ({ offeredRps: s.offeredRps, achievedRps: s.achievedRps, p95: s.latencyMs.p95, errors: s.errors, dropped: s.dropped ?? 0, sloPassed: s.sloPassed })),
  }
  if (outcome === 'below-first') {
    // The lowest rate tried (an automatic first rate is halved before the search gives up).
    const first = load.steps.length ? Math.min(...load.steps.map((s) => s.offeredRps)) : undefined
    return finding({
      ...base,
      status: 'fail',
      message: first !== undefined ? `the first step (${rps(first)}) already exceeded the agent's capacity inside the SLO, so its capacity is below ${rps(first)}: ${c.stopReason}` : `no capacity measured: ${c.stopReason}`,
      evidence,
      remediation: first !== undefined ? `start lower (--start-rps ${Number((first / 4).toPrecision(2))}), or fix the latency/errors at low load first (agentctl diagnose)` : 'check the agent answers a single chat (agentctl validate), then rerun',
    })
  }
  if (outcome === 'at-least' || outcome === 'interrupted') {
    return finding({
      ...base,
      status: 'warn',
      severity: 'warn',
      message: `at least ${rps(c.maxSustainableRps)} per replica inside the SLO, not a measured capacity: ${c.stopReason} (${bracket}; ${knee})${replicas}`,
      evidence,
      remediation: c.generatorLimited
        ? `the load generator, not the agent, ran out of connections: ${rerun} with a higher --max-connections (Little's law: rate x latency in flight)`
        : c.brokeAtRps === undefined
          ? `${rerun} with a higher --max-rps (and load.maxRps) or --max-duration, so the search can reach a rate that breaks`
          : `${rerun} with a higher --max-duration, so the search can narrow and confirm the bracket`,
    })
  }
  return finding({
    ...base,
    status: 'pass',
    message: `one replica sustains ${rps(c.maxSustainableRps)} inside the SLO: ${bracket}; ${knee}${replicas}`,
    evidence,
    remediation: '',
  })
}

function costFinding(cost: CostResult | undefined): Finding {
  if (!cost) {
    return finding({ checkId: 'load-cost', title: 'Cost per request', status: 'skip', severity: 'info', message: 'no token usage found in responses or /metrics (agent_llm_tokens_total)', evidence: {}, remediation: 'return usage{prompt_tokens, completion_tokens} in chat responses or expose agent_llm_tokens_total' })
  }
  if (cost.usdPerRequest === undefined) {
    return finding({ checkId: 'load-cost', title: 'Cost per request', status: 'skip', severity: 'info', message: `${cost.tokensPerRequest} tokens/request; dollars not measured: no price for ${cost.unpricedModels.join(', ')} and no cost figure from the agent`, evidence: { ...cost }, remediation: `add ${cost.unpricedModels.join(', ')} under pricing: in agentctl.yaml (USD per 1k input/output tokens)` })
  }
  const over = cost.dailyBudgetUsd !== undefined && cost.usdPerDayAtTarget !== undefined && cost.usdPerDayAtTarget > cost.dailyBudgetUsd
  const daily = cost.usdPerDayAtTarget !== undefined ? `$${cost.usdPerDayAtTarget.toFixed(2)}/day at ${cost.targetRps ?? '--target-rps'} rps (--target-rps)${cost.dailyBudgetUsd !== undefined ? ` against a $${cost.dailyBudgetUsd} daily budget` : ''}` : 'daily spend not projected (no --target-rps)'
  return finding({
    checkId: 'load-cost',
    title: cost.usdPerDayAtTarget !== undefined ? 'Projected spend within the daily budget' : 'Cost per request',
    status: over ? 'warn' : 'pass',
    severity: 'warn',
    message: `${cost.tokensPerRequest} tokens/request, $${cost.usdPerRequest.toFixed(6)}/request, $${cost.usdPer1kRequests?.toFixed(2)}/1k requests, ${daily}${cost.unpricedModels.length ? ` (no price for ${cost.unpricedModels.join(', ')})` : ''}`,
    evidence: { ...cost },
    remediation: over ? 'cheaper models for simple turns, fewer LLM round-trips per chat, shorter prompts, or a bigger budget (budget.dailyUsd)' : '',
  })
}
