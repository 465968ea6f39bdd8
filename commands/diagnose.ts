import { Flags } from '@oclif/core'
import { AgentctlError, ExitCode } from '../src/exit-codes.js'
import { displayUrl } from '../src/probes/endpoint.js'
import { diffFindings, formatChanges } from '../src/probes/report-diff.js'
import { DIAGNOSE_CATEGORIES, gateFails, type Report } from '../src/report.js'
import { commonFlags, ReportingCommand } from './_shared/base.js'
import { createProgress, progressEnabled } from './_shared/progress.js'
import { runDiagnose } from './_jobs/diagnose.js'
import { sleep } from '../src/sleep.js'

export default class Diagnose extends ReportingCommand {
  static summary = 'What is broken right now, and what to do about it'
  static description = `Runs every diagnose check at once, each bounded by --timeout, so a hung dependency never delays the rest. Categories: ${DIAGNOSE_CATEGORIES.join(', ')}. Every finding carries the observed values and a ready command to fix or dig further. Exit 0 healthy, 1 a finding at or above --fail-on, 2 usage or config error, 130 interrupted by Ctrl-C (--watch: the last run's code).`
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
    const { selectOrThrow } = await import('./_jobs/select.js')
    const checks = selectOrThrow('diagnose', this.listFlag(flags.only), this.listFlag(flags.skip))

    // Ctrl-C aborts the running checks (every probe honours the signal) instead of killing the process mid-write;
    // a second Ctrl-C means "now" (130).
    const signal = this.interruptSignal()
    // Every probe closes its sockets; the base command's exit guard only fires if a client library leaked one anyway.
    this.exitGuardMs = 2000
    const progress = createProgress({ enabled: progressEnabled({ json: this.jsonEnabled() }) })
    const diagnoseOnce = async (): Promise<Report> => {
      const report = await runDiagnose({ config, checks, timeoutMs, options: { windowMs }, version: this.config.version, target: displayUrl(config.target.url), signal, progress: (text) => progress.line(text) })
      progress.done()
      return report
    }

    if (!flags.watch) return this.finish(await diagnoseOnce(), flags, { interrupted: signal.aborted })
    return this.watch(flags.watch, diagnoseOnce, signal, flags)
  }

  /** Reruns until Ctrl-C; prints the status transitions of each run and the full table when anything changed. */
  private async watch(everySeconds: number, diagnoseOnce: () => Promise<Report>, signal: AbortSignal, flags: { output?: string[]; 'fail-on'?: string }): Promise<undefined> {
    let previous: Report | undefined
    let lastExit: ExitCode = ExitCode.Ok
    while (!signal.aborted) {
      const report = await diagnoseOnce()
      if (signal.aborted) break // a run cut short by Ctrl-C is partial; keep the last complete verdict
      const changes = previous ? diffFindings(previous.findings, report.findings) : []
      if (this.jsonEnabled()) {
        // One JSON document per line per run, so `| jq -c` can follow along.
        const safe = await this.finish(report, flags, { quiet: true })
        process.stdout.write(JSON.stringify({ ...safe, changes }) + '\n')
      } else if (!previous || changes.length > 0) {
        if (previous) this.log(formatChanges(changes))
        await this.finish(report, flags)
      } else {
        this.log(formatChanges(changes))
        await this.finish(report, flags, { quiet: true })
      }
      lastExit = gateFails(report.verdict, (flags['fail-on'] as 'warn' | 'fail') ?? 'fail') ? ExitCode.GateFailed : ExitCode.Ok
      previous = report
      if (!this.jsonEnabled()) this.logToStderr(`next run in ${everySeconds}s — Ctrl-C to stop`)
      await sleep(everySeconds * 1000, signal).catch(() => undefined) // Ctrl-C ends the wait, and the watch
    }
    // Ctrl-C is how a watch ends: the exit code is the last complete run's (docs/CONTRACTS.md "Exit codes").
    this.setOutcome(lastExit)
    if (!this.jsonEnabled()) this.logToStderr(`stopped; last verdict ${previous?.verdict ?? 'none'} (exit ${lastExit})`)
    return undefined
  }

  /** An unexpected error still leaves as one redacted line and exit 2, never a stack trace. */
  protected override async catch(error: Error & { exitCode?: number; oclif?: { exit?: number } }): Promise<never> {
    if (error instanceof AgentctlError || error.oclif?.exit !== undefined) return super.catch(error)
    return super.catch(new AgentctlError(`diagnose failed: ${error.message}`, ExitCode.UsageOrInternal, 'this is a defect in agentctl; rerun with --json and attach the output when reporting it'))
  }
}
