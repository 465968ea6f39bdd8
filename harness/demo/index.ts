/**
 * `agentctl demo` as a library: start the reference agent on embedded defaults with the mock LLM,
 * run validate, diagnose and a short capacity search against it, and assemble one combined
 * report. The command only parses flags, wires Ctrl-C to `signal`, writes files and prints.
 *
 * Order: validate runs on the resilience-tuned agent; the agent is then restarted with the
 * load profile (rate limit out of the way, mock at a realistic fixed latency) for the capacity
 * search; diagnose runs last, so on-call's view shows an agent that has just carried traffic.
 * The report lists the sections as validate, diagnose, load whatever the run order.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { buildReport, type Report } from '../../src/report.js'
import { startSelfStack, type SelfStack } from '../self-stack.js'
import { type CapacityShape, FULL_CAPACITY, type JobContext, QUICK_CAPACITY, runDiagnoseJob, runLoadJob, runValidateJob } from './jobs.js'

export { DEMO_SLO, DEMO_TARGET_RPS, FULL_CAPACITY, QUICK_CAPACITY, type CapacityShape } from './jobs.js'

/** A realistic provider round trip for the load phase: the knee then comes from the agent, not the mock. */
export const LOAD_MOCK_LATENCY_MS = 200

export interface DemoOptions {
  version: string
  /** The embedded PostgreSQL's data, reused between runs (first start runs initdb). */
  dataDir: string
  quick?: boolean
  /** Ctrl-C: the running job stops and the demo returns what it has. */
  signal: AbortSignal
  progress(text: string): void
  note(text: string): void
  /** Called once the agent is up (the CLI prints where it runs). */
  onStarted?(stack: SelfStack, startupMs: number): void
}

export interface DemoResult {
  report: Report
  /** Set when Ctrl-C cut the demo short: the report holds the sections that completed. */
  interrupted: boolean
  startupMs: number
}

type Job = 'validate' | 'diagnose' | 'load'
const REPORT_ORDER: Job[] = ['validate', 'diagnose', 'load']

export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const startedAt = new Date()
  const sections = new Map<Job, Report>()
  const shape: CapacityShape = options.quick ? QUICK_CAPACITY : FULL_CAPACITY
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
    const report = buildReport({ command: 'demo', version: options.version, startedAt, target: 'reference agent (interrupted while starting)', findings: [], sections: [] })
    return { report, interrupted: true, startupMs: Date.now() - startedAt.getTime() }
  }
  const startupMs = Date.now() - startedAt.getTime()
  let target = stack.agentUrl
  try {
    options.onStarted?.(stack, startupMs)
    const ctx: JobContext = { stack, version: options.version, signal: options.signal, progress: options.progress, note: options.note }
    const phase = async (job: Job, run: () => Promise<Report>) => {
      if (options.signal.aborted) return
      const t0 = Date.now()
      const report = await run()
      // A job cut short by Ctrl-C is kept only if it produced something (the load keeps its finished steps).
      if (!options.signal.aborted || report.findings.length > 0) sections.set(job, report)
      options.note(`demo: ${job} ${options.signal.aborted ? 'interrupted' : 'done'} in ${((Date.now() - t0) / 1000).toFixed(1)}s · verdict ${report.verdict}, score ${report.score}/100`)
    }
    await phase('validate', () => runValidateJob(ctx))
    if (!options.signal.aborted) {
      options.progress(`demo: restarting the agent for the load test (mock LLM at ${LOAD_MOCK_LATENCY_MS} ms per call)…`)
      await stack.switchProfile('load', { latency: [LOAD_MOCK_LATENCY_MS, LOAD_MOCK_LATENCY_MS], seed: 1 })
      target = stack.agentUrl
      if (!options.signal.aborted) options.note(`demo: agent restarted for load at ${stack.agentUrl} (rate limit lifted), mock LLM at ${stack.mock.baseUrl} (${LOAD_MOCK_LATENCY_MS} ms per call)`)
    }
    await phase('load', () => runLoadJob(ctx, shape))
    await phase('diagnose', () => runDiagnoseJob(ctx))
  } finally {
    options.progress('demo: stopping the agent and the mock LLM…')
    await stack.stop()
  }
  const ordered = REPORT_ORDER.flatMap((job) => sections.get(job) ?? [])
  const report = buildReport({ command: 'demo', version: options.version, startedAt, target: `reference agent ${target} (embedded; mock LLM)`, findings: [], sections: ordered })
  return { report, interrupted: options.signal.aborted, startupMs }
}

export function demoFiles(outDir: string): { html: string; json: string } {
  return { html: join(outDir, 'report.html'), json: join(outDir, 'report.json') }
}
