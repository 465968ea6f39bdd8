import { Flags } from '@oclif/core'
import { AgentctlError, ExitCode } from '../src/exit-codes.js'
import { displayUrl } from '../src/probes/endpoint.js'
import { diffFindings, formatChanges } from '../src/probes/report-diff.js'
import { buildReport, DIAGNOSE_CATEGORIES, gateFails, type Report } from '../src/report.js'
import { commonFlags, ReportingCommand } from './_shared/base.js'
import { createProgress, progressEnabled } from './_shared/progress.js'

export default class Diagnose extends ReportingCommand {
  static summary = 'What is broken right now, and what to do about it'
  static description = `Runs every diagnose check at once, each bounded by --timeout, so a hung dependency never delays the rest. Categories: ${DIAGNOSE_CATEGORIES.join(', ')}. Every finding carries the observed values and a ready command to fix or dig further. Exit 0 healthy, 1 a finding at or above --fail-on, 2 usage or config error. The checks, their ids and categories: agentctl checks diagnose.`
  static examples = [
    '<%= config.bin %> diagnose',
    '<%= config.bin %> diagnose --only connectivity --timeout 2s',
    '<%= config.bin %> diagnose --skip cost -o incident.md -o incident.html',
    '<%= config.bin %> diagnose --watch 10',
    '<%= config.bin %> diagnose --json | jq \'.findings[] | select(.status != "pass")\'',
  ]
  static flags = {
    ...commonFlags,
    timeout: Flags.string({ description: 'budget per check, e.g. 2s (default diagnose.timeout, 5s)' }),
    window: Flags.string({ description: 'look-back window for metric-based checks, e.g. 15m (default diagnose.window, 5m)' }),
    watch: Flags.integer({ min: 1, description: 'rerun every N seconds and print what changed; Ctrl-C exits with the last run’s exit code' }),
  }

  async run(): Promise<Report | undefined> {
    const { flags } = await this.parse(Diagnose)
    const { config } = this.loadConfig(flags)
    const timeoutMs = this.duration(flags.timeout, config.diagnose.timeout, '--timeout')
    const windowMs = this.duration(flags.window, config.diagnose.window, '--window')
    // Loaded here, not at the top: `diagnose --help` should not pay for every check's libraries.
    const [{ catalogue }, { runChecks, selectChecks }] = await Promise.all([import('../checks/index.js'), import('../src/runner.js')])
    const only = this.listFlag(flags.only)
    const skip = this.listFlag(flags.skip)
    const checks = selectChecks(catalogue, { mode: 'diagnose', only, skip })
    if (checks.length === 0) {
      const known = catalogue.filter((c) => c.appliesTo.includes('diagnose')).map((c) => c.id)
      throw new AgentctlError(`no diagnose check matches --only ${only.join(',') || '-'} --skip ${skip.join(',') || '-'}`, ExitCode.UsageOrInternal, `categories: ${DIAGNOSE_CATEGORIES.join(', ')}; checks: ${known.join(', ')}`)
    }

    // Ctrl-C aborts the running checks (every probe honours the signal) instead of killing the process mid-write.
    // A second Ctrl-C means "now": exit at once with the last verdict's code.
    const interrupt = new AbortController()
    const onSigint = () => {
      if (interrupt.signal.aborted) process.exit(process.exitCode ?? ExitCode.Ok)
      interrupt.abort(new Error('interrupted by Ctrl-C'))
    }
    process.on('SIGINT', onSigint)
    const progress = createProgress({ enabled: progressEnabled({ json: this.jsonEnabled() }) })
    const diagnoseOnce = async (): Promise<Report> => {
      const startedAt = new Date()
      const running = new Set(checks.map((c) => c.id))
      progress.line(`diagnose: running ${checks.length} checks…`)
      const findings = await runChecks(checks, {
        mode: 'diagnose',
        config,
        timeoutMs,
        only,
        skip,
        options: { windowMs, timeoutMs },
        signal: interrupt.signal,
        onFinish: (check) => {
          running.delete(check.id)
          progress.line(`diagnose: ${checks.length - running.size}/${checks.length} done · waiting on ${[...running].join(', ')}`)
        },
      })
      progress.done()
      return buildReport({ command: 'diagnose', version: this.config.version, startedAt, target: displayUrl(config.target.url), findings })
    }

    try {
      if (!flags.watch) return await this.finish(await diagnoseOnce(), flags)
      return await this.watch(flags.watch, diagnoseOnce, interrupt.signal, flags)
    } finally {
      process.off('SIGINT', onSigint)
      // Every probe closes its sockets; this unref'd timer only fires if a client library leaked
      // one anyway (nats.js did, on connect timeouts): at 3 a.m. the CLI must return the prompt.
      setTimeout(() => process.exit(), 2000).unref()
    }
  }

  /** Reruns until Ctrl-C; prints the status transitions of each run and the full table when anything changed. */
  private async watch(everySeconds: number, diagnoseOnce: () => Promise<Report>, signal: AbortSignal, flags: { output?: string[]; 'fail-on'?: string }): Promise<undefined> {
    let previous: Report | undefined
    let lastExit: number = ExitCode.Ok
    while (!signal.aborted) {
      const report = await diagnoseOnce()
      if (signal.aborted) break // a run cut short by Ctrl-C is partial; keep the last complete verdict
      const changes = previous ? diffFindings(previous.findings, report.findings) : []
      process.exitCode = ExitCode.Ok
      if (this.jsonEnabled()) {
        // One JSON document per line per run, so `| jq -c` can follow along.
        const safe = await this.finishQuietly(report, flags)
        process.stdout.write(JSON.stringify({ ...safe, changes }) + '\n')
      } else if (!previous || changes.length > 0) {
        if (previous) this.log(formatChanges(changes))
        await this.finish(report, flags)
      } else {
        this.log(formatChanges(changes))
        await this.finishQuietly(report, flags)
      }
      lastExit = gateFails(report.verdict, (flags['fail-on'] as 'warn' | 'fail') ?? 'fail') ? ExitCode.GateFailed : ExitCode.Ok
      previous = report
      if (!this.jsonEnabled()) this.logToStderr(`next run in ${everySeconds}s — Ctrl-C to stop`)
      await sleep(everySeconds * 1000, signal)
    }
    process.exitCode = lastExit
    if (!this.jsonEnabled()) this.logToStderr(`stopped; last verdict ${previous?.verdict ?? 'none'} (exit ${lastExit})`)
    return undefined
  }

  /** finish() without the table on stdout: -o files and the step summary still update. */
  private async finishQuietly(report: Report, flags: { output?: string[]; 'fail-on'?: string }): Promise<Report> {
    const log = this.log
    this.log = () => {}
    try {
      return await this.finish(report, flags)
    } finally {
      this.log = log
    }
  }

  /** An unexpected error still leaves as one redacted line and exit 2, never a stack trace. */
  protected override async catch(error: Error & { exitCode?: number; oclif?: { exit?: number } }): Promise<never> {
    if (error instanceof AgentctlError || error.oclif?.exit !== undefined) return super.catch(error)
    return super.catch(new AgentctlError(`diagnose failed: ${error.message}`, ExitCode.UsageOrInternal, 'this is a defect in agentctl; rerun with --json and attach the output when reporting it'))
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve()
    const timer = setTimeout(done, ms)
    function done() {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    signal.addEventListener('abort', done, { once: true })
  })
}
