/**
 * `agentctl demo` as a composition of the three jobs: start the reference agent on embedded
 * defaults with the mock LLM, run validate, diagnose and a short capacity search against it with
 * the same pipelines as the commands, and assemble one combined report. The command only parses
 * flags, wires Ctrl-C to `signal`, writes files and prints.
 *
 * Order (and the report's order): validate on the resilience-tuned agent; the agent then restarts
 * with the load profile (rate limit out of the way, mock at a realistic fixed latency); diagnose
 * runs on it before any load, so on-call's view describes the agent, not the breakers validate's
 * faults left half-open nor the spend and host load of the demo's own capacity search, which
 * runs last.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { parseDuration } from '../../src/duration.js'
import { resolvePlan } from '../../src/load/plan.js'
import { buildReport, type Report } from '../../src/report.js'
import { scoreText } from '../../reports/format.js'
import { buildWorkload } from '../../harness/load/execute.js'
import { startSelfStack, type SelfStack } from '../../harness/self-stack.js'
import { DEMO_SLO, DEMO_TARGET_RPS, demoConfig, demoTarget, FULL_CAPACITY, LOAD_MOCK_LATENCY_MS, QUICK_CAPACITY, warmUp } from './demo-setup.js'
import { runDiagnose } from './diagnose.js'
import { runLoad } from './load.js'
import { selectOrThrow } from './select.js'
import { runValidate, VALIDATE_TIMEOUT } from './validate.js'

export { DEMO_SLO, DEMO_TARGET_RPS, FULL_CAPACITY, LOAD_MOCK_LATENCY_MS, QUICK_CAPACITY }

export interface DemoOptions {
  version: string
  /** The embedded PostgreSQL's data, reused between runs (first start runs initdb). */
  dataDir: string
  quick?: boolean
  /** Ctrl-C: the running job stops and the demo returns what it has. */
  signal: AbortSignal
  progress(text: string): void
  note(text: string): void
  /** Called once the agent is up (the CLI prints where it runs, and registers its interrupt restore). */
  onStarted?(stack: SelfStack, startupMs: number): void
}

export interface DemoResult {
  report: Report
  /** Set when Ctrl-C cut the demo short: the report holds the sections that completed. */
  interrupted: boolean
  startupMs: number
}

export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const startedAt = new Date()
  const sections: Report[] = []
  const firstRun = !existsSync(join(options.dataDir, 'PG_VERSION'))
  if (firstRun) options.note(`demo: first run: initialising the embedded PostgreSQL in ${options.dataDir} (10-30 s; later runs reuse it)`)
  options.progress('demo: starting the mock LLM and the reference agent (embedded PGlite)…')
  let stack: SelfStack
  try {
    stack = await startSelfStack({ profile: 'resilience', dataDir: options.dataDir })
  } catch (error) {
    // Ctrl-C in a terminal reaches the starting agent too, which then exits before listening:
    // that is an interruption, not a failure to report as one.
    if (!options.signal.aborted) throw error
    const report = buildReport({ command: 'demo', version: options.version, startedAt, target: 'reference agent (interrupted while starting)', findings: [], sections: [], interrupted: true })
    return { report, interrupted: true, startupMs: Date.now() - startedAt.getTime() }
  }
  const startupMs = Date.now() - startedAt.getTime()
  // validate runs on the first agent, diagnose and load on the one restarted with the load profile.
  const urls = [stack.agentUrl]
  const { signal, progress } = options
  try {
    options.onStarted?.(stack, startupMs)
    const phase = async (job: string, run: () => Promise<Report>) => {
      if (signal.aborted) return
      const t0 = Date.now()
      const report = await run()
      // A job cut short by Ctrl-C is kept only if it produced something (the load keeps its finished steps).
      if (!signal.aborted || report.findings.length > 0) sections.push(report)
      options.note(`demo: ${job} ${signal.aborted ? 'interrupted' : 'done'} in ${((Date.now() - t0) / 1000).toFixed(1)}s · verdict ${report.verdict}, ${scoreText(report)}`)
    }
    const job = () => ({ config: demoConfig(stack), version: options.version, target: demoTarget(stack), signal, progress })
    await phase('validate', () => {
      const { config, ...rest } = job()
      const checkOptions = { maxRecoveryMs: parseDuration(config.validate.maxRecovery), repeat: config.validate.repeat, minPassRate: 1, self: true }
      return runValidate({ ...rest, config, checks: selectOrThrow('validate'), timeoutMs: parseDuration(VALIDATE_TIMEOUT), options: checkOptions })
    })
    if (!signal.aborted) {
      progress(`demo: restarting the agent for the load test (mock LLM at ${LOAD_MOCK_LATENCY_MS} ms per call)…`)
      await stack.switchProfile('load', { latency: [LOAD_MOCK_LATENCY_MS, LOAD_MOCK_LATENCY_MS], seed: 1 })
      if (stack.agentUrl !== urls[0]) urls.push(stack.agentUrl)
      if (!signal.aborted) options.note(`demo: agent restarted for load at ${stack.agentUrl} (rate limit lifted), mock LLM at ${stack.mock.baseUrl} (${LOAD_MOCK_LATENCY_MS} ms per call)`)
    }
    await phase('diagnose', () => {
      const { config, ...rest } = job()
      const timeoutMs = parseDuration(config.diagnose.timeout)
      return runDiagnose({ ...rest, config, checks: selectOrThrow('diagnose'), timeoutMs, options: { windowMs: parseDuration(config.diagnose.window) } })
    })
    await phase('load', async () => {
      const loadStartedAt = new Date()
      const { config, ...rest } = job()
      const plan = resolvePlan(options.quick ? QUICK_CAPACITY : FULL_CAPACITY, config)
      const origin = new URL(stack.agentUrl).origin
      // The demo's own planning inputs, named where the user can see them: the cost finding judges
      // against them, and the user typed neither.
      options.note(`demo: load plans for ${DEMO_TARGET_RPS} rps (as --target-rps ${DEMO_TARGET_RPS}) against a $${config.budget.dailyUsd}/day budget (as budget.dailyUsd in agentctl.yaml), to show replicas and the spend projection`)
      progress('load: warming the freshly started agent up…')
      await warmUp(origin + config.target.chatPath, stack.apiKey, signal)
      let stepPrefix = ''
      return runLoad({
        ...rest,
        // The demo's ramp tops out at a fixed rate, and its user typed no command to rerun.
        rerun: `the demo's ramp stops at ${plan.capacity?.maxRps} rps: run \`npx agentctl load --self --find-capacity\``,
        config,
        plan,
        workload: buildWorkload(plan),
        origin,
        startedAt: loadStartedAt,
        events: {
          onStepStart: (rps, index) => {
            stepPrefix = `load: step ${index + 1} · ${rps} rps offered · `
            progress(`${stepPrefix}warming up…`)
          },
          onProgress: (p) => progress(`${stepPrefix}${p.elapsedS}s · ${p.last.rps} rps · p95 ${Math.round(p.total.latencyMs.p95)} ms · ${p.total.errors} errors`),
          onStepDone: (step) =>
            options.note(`  load: ${step.offeredRps} rps offered → ${step.achievedRps.toFixed(1)} rps achieved, p95 ${Math.round(step.latencyMs.p95)} ms, ${step.errors} errors${step.breach ? ` — ${step.breach}` : ''}`),
        },
      })
    })
  } finally {
    progress('demo: stopping the agent and the mock LLM…')
    await stack.stop()
  }
  const report = buildReport({ command: 'demo', version: options.version, startedAt, target: `reference agent ${urls.length > 1 ? `${urls[0]} (validate), restarted at ${urls[1]} (diagnose, load)` : urls[0]} (embedded; mock LLM)`, findings: [], sections, interrupted: signal.aborted })
  return { report, interrupted: signal.aborted, startupMs }
}

export function demoFiles(outDir: string): { html: string; json: string } {
  return { html: join(outDir, 'report.html'), json: join(outDir, 'report.json') }
}
