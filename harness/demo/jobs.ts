/**
 * The demo's three jobs, each producing one section of the combined report. They call the same
 * library code as `agentctl validate`, `diagnose` and `load` (the check catalogue, the runner, the
 * capacity search), only with settings sized for a one-minute tour.
 */
import { join } from 'node:path'
import { catalogue } from '../../checks/index.js'
import { type AgentctlConfig, ConfigSchema } from '../../src/config/schema.js'
import { loadFindings } from '../../src/load/findings.js'
import { resolvePlan } from '../../src/load/plan.js'
import { packageRoot } from '../../src/paths.js'
import { pricingFor } from '../../src/pricing.js'
import { buildReport, type Report } from '../../src/report.js'
import { runChecks, selectChecks } from '../../src/runner.js'
import { buildWorkload, executeLoad } from '../load/execute.js'
import type { SelfStack } from '../self-stack.js'

export interface JobContext {
  stack: SelfStack
  version: string
  signal: AbortSignal
  /** Replaces the live progress line. */
  progress(text: string): void
  /** A line worth keeping in the scrollback (a finished capacity step, say). */
  note(text: string): void
}

/**
 * The shape of the capacity search: short steps (at most 11 x 4 s) over a range wide enough that a
 * fast machine still finds its knee. The first step offers enough requests (20+) that one late
 * completion cannot fail the 90%-of-offered rule on its own.
 */
export interface CapacityShape {
  startRps: number
  stepRps: number
  maxRps: number
  stepDuration: string
  warmup: string
}

export const FULL_CAPACITY: CapacityShape = { startRps: 10, stepRps: 15, maxRps: 160, stepDuration: '3s', warmup: '1s' }
/** --quick (tests): three short steps. */
export const QUICK_CAPACITY: CapacityShape = { startRps: 10, stepRps: 10, maxRps: 30, stepDuration: '2s', warmup: '500ms' }

/** The SLO and the traffic the demo plans for; they appear in the report's load section. */
export const DEMO_SLO = ['p95<1500', 'error_rate<0.01']
export const DEMO_TARGET_RPS = 50

/** An agentctl.yaml equivalent for the running stack, built in memory: the demo never reads the user's config. */
export function demoConfig(stack: SelfStack): AgentctlConfig {
  return ConfigSchema.parse({
    target: { url: stack.agentUrl, apiKey: stack.apiKey },
    dependencies: { llm: { baseUrl: stack.mock.baseUrl, apiKey: 'sk-agentctl-self-mock', model: 'gpt-4o-mini' } },
    faults: { mockLlm: { port: stack.mock.port, host: '127.0.0.1' } },
    // The shipped Kubernetes manifests, so the manifest lint has something real to read.
    validate: { manifests: [join(packageRoot(), 'deploy', '*.yaml')], maxRecovery: '15s', models: ['gpt-4o-mini', 'gpt-4.1-mini'] },
    diagnose: { timeout: '5s', window: '5m' },
    slo: { p95Ms: 1500, errorRate: 0.01 },
    budget: { dailyUsd: 50 },
  })
}

const target = (stack: SelfStack) => `reference agent ${stack.agentUrl} (embedded PGlite, mock LLM ${stack.mock.baseUrl})`

export async function runValidateJob(ctx: JobContext): Promise<Report> {
  const startedAt = new Date()
  const checks = selectChecks(catalogue, { mode: 'validate' })
  const running = new Set<string>()
  let done = 0
  const findings = await runChecks(checks, {
    mode: 'validate',
    config: demoConfig(ctx.stack),
    timeoutMs: 30_000,
    options: { maxRecoveryMs: 15_000, repeat: 1, minPassRate: 1, self: true },
    signal: ctx.signal,
    onStart: (check) => {
      running.add(check.id)
      ctx.progress(`validate: ${done}/${checks.length} done · running ${[...running].join(', ')}`)
    },
    onFinish: (check) => {
      running.delete(check.id)
      done += 1
      ctx.progress(`validate: ${done}/${checks.length} done${running.size ? ` · running ${[...running].join(', ')}` : ''}`)
    },
  })
  return buildReport({ command: 'validate', version: ctx.version, startedAt, target: target(ctx.stack), findings })
}

export async function runDiagnoseJob(ctx: JobContext): Promise<Report> {
  const startedAt = new Date()
  const config = demoConfig(ctx.stack)
  const checks = selectChecks(catalogue, { mode: 'diagnose' })
  const running = new Set(checks.map((c) => c.id))
  const findings = await runChecks(checks, {
    mode: 'diagnose',
    config,
    timeoutMs: 5000,
    options: { windowMs: 5 * 60_000, timeoutMs: 5000 },
    signal: ctx.signal,
    onFinish: (check) => {
      running.delete(check.id)
      ctx.progress(`diagnose: ${checks.length - running.size}/${checks.length} done${running.size ? ` · waiting on ${[...running].join(', ')}` : ''}`)
    },
  })
  return buildReport({ command: 'diagnose', version: ctx.version, startedAt, target: target(ctx.stack), findings })
}

export async function runLoadJob(ctx: JobContext, shape: CapacityShape): Promise<Report> {
  const startedAt = new Date()
  const config = demoConfig(ctx.stack)
  const plan = resolvePlan(
    {
      'find-capacity': true,
      'start-rps': shape.startRps,
      'step-rps': shape.stepRps,
      'max-rps': shape.maxRps,
      'step-duration': shape.stepDuration,
      warmup: shape.warmup,
      timeout: '10s',
      slo: DEMO_SLO,
      'target-rps': DEMO_TARGET_RPS,
    },
    config,
  )
  const origin = new URL(ctx.stack.agentUrl).origin
  ctx.progress('load: warming the freshly started agent up…')
  await warmUp(origin + config.target.chatPath, ctx.stack.apiKey, ctx.signal)
  let stepPrefix = ''
  const outcome = await executeLoad({
    plan,
    workload: buildWorkload(plan),
    origin,
    metricsUrl: origin + config.target.metricsPath,
    bearer: ctx.stack.apiKey,
    trackCost: true,
    pricing: pricingFor(config),
    dailyBudgetUsd: config.budget.dailyUsd,
    signal: ctx.signal,
    onStepStart: (rps, index) => {
      stepPrefix = `load: step ${index + 1} · ${rps} rps offered · `
      ctx.progress(`${stepPrefix}warming up…`)
    },
    onProgress: (p) => ctx.progress(`${stepPrefix}${p.elapsedS}s · ${p.last.rps} rps · p95 ${Math.round(p.total.latencyMs.p95)} ms · ${p.total.errors} errors`),
    onStepDone: (step) =>
      ctx.note(`  load: ${step.offeredRps} rps offered → ${step.achievedRps.toFixed(1)} rps achieved, p95 ${Math.round(step.latencyMs.p95)} ms, ${step.errors} errors${step.breach ? ` — ${step.breach}` : ''}`),
  })
  const findings = loadFindings({
    load: outcome.load,
    slo: outcome.slo,
    cost: outcome.cost,
    costRequested: true,
    capacity: outcome.capacity,
    statuses: outcome.statuses,
    abortReason: outcome.abortReason,
    durationMs: Date.now() - startedAt.getTime(),
  })
  // From the findings (as `agentctl load` does): they skip thresholds an interrupted run never measured.
  const sloFailed = findings.some((f) => f.checkId.startsWith('load-slo-') && f.status === 'fail')
  return buildReport({ command: 'load', version: ctx.version, startedAt, target: target(ctx.stack), findings, load: outcome.load, ...(sloFailed ? { forceVerdict: 'fail' as const } : {}) })
}

/**
 * A just-started agent is cold (JIT, the first database round trips, connection pools), and the
 * capacity search stops at its first failing step: a cold first step would report a capacity of
 * zero. A few chats first, as a real rollout's readiness traffic would.
 */
async function warmUp(chatUrl: string, apiKey: string, signal: AbortSignal, requests = 12, concurrency = 3): Promise<void> {
  let sent = 0
  const worker = async () => {
    while (sent < requests && !signal.aborted) {
      sent += 1
      await fetch(chatUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
        body: JSON.stringify({ message: `warm-up ${sent}: what is 2 + 2?` }),
        signal: AbortSignal.any([signal, AbortSignal.timeout(10_000)]),
      })
        .then((res) => res.arrayBuffer())
        .catch(() => undefined) // a failed warm-up chat shows up in the measured steps, where it counts
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
}
