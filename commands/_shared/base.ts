import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { Command, Flags, type Interfaces } from '@oclif/core'
import { type LoadedConfig, loadConfig } from '../../src/config/load.js'
import { parseDuration } from '../../src/duration.js'
import { AgentctlError, ExitCode } from '../../src/exit-codes.js'
import { redact, redactDeep } from '../../src/redact.js'
import { gateFails, type Report } from '../../src/report.js'
import { formatFromPath, renderReport } from '../../reports/index.js'
import { colorEnabled } from './progress.js'

const list = (value: string) => value.split(',').map((s) => s.trim()).filter(Boolean)

/** Flags every reporting command shares (contract: docs/CONTRACTS.md "Common flags"). */
export const commonFlags = {
  config: Flags.string({ char: 'c', description: 'config file (default ./agentctl.yaml if present)' }),
  target: Flags.string({ description: 'agent base URL (overrides target.url)' }),
  output: Flags.string({ char: 'o', multiple: true, description: 'write the report; format from the extension: .json .html .xml (JUnit) .md' }),
  'fail-on': Flags.string({ options: ['warn', 'fail'], default: 'fail', description: 'lowest verdict that exits 1' }),
  only: Flags.string({ multiple: true, description: 'run only these check ids or categories (comma-separated)' }),
  skip: Flags.string({ multiple: true, description: 'skip these check ids or categories (comma-separated)' }),
  'no-color': Flags.boolean({ description: 'no colour in the terminal table (also honours NO_COLOR)' }),
}

export type CommonFlags = Interfaces.InferredFlags<typeof commonFlags>

export abstract class ReportingCommand extends Command {
  static enableJsonFlag = true

  /** The outcome of this run as an exit code; set by finish() and interrupts, applied once in finally(). */
  private outcome: ExitCode | undefined
  private interruptController: AbortController | undefined
  private onSigint: (() => void) | undefined
  private restoreHooks: Array<() => unknown> = []
  /** Set by a command whose client libraries may leak a socket: the process leaves this long after the run. */
  protected exitGuardMs: number | undefined

  /**
   * Ctrl-C, owned here for every command (docs/ARCHITECTURE.md "Exits and interrupts"): the first
   * one aborts this signal and runs the restore hooks; a second one leaves at once with 130.
   * `notice` is printed on the first Ctrl-C.
   */
  protected interruptSignal(notice?: string): AbortSignal {
    if (!this.interruptController) {
      const controller = (this.interruptController = new AbortController())
      this.onSigint = () => {
        if (controller.signal.aborted) process.exit(ExitCode.Interrupted)
        if (notice && !this.jsonEnabled()) this.logToStderr(notice)
        controller.abort(new Error('interrupted by Ctrl-C'))
        void this.restore()
      }
      process.on('SIGINT', this.onSigint)
    }
    return this.interruptController.signal
  }

  protected get interrupted(): boolean {
    return this.interruptController?.signal.aborted ?? false
  }

  /**
   * Registers what an interrupted run must put back (the shared mock LLM's scenario, say). Hooks
   * run at the first Ctrl-C and again when the run has unwound (a check may have changed the
   * state meanwhile), so they must be idempotent; their errors are ignored.
   */
  protected onInterrupt(hook: () => unknown): void {
    this.restoreHooks.push(hook)
  }

  private async restore(): Promise<void> {
    await Promise.all(this.restoreHooks.map(async (hook) => { try { await hook() } catch { /* best effort: the run is ending anyway */ } }))
  }

  /** Records the run's exit code, for a command that ends without finish() (diagnose --watch). */
  protected setOutcome(code: ExitCode): void {
    this.outcome = code
  }

  /** The one place a run's outcome becomes the process's exit code. */
  protected override async finally(error: Error | undefined): Promise<unknown> {
    if (this.onSigint) process.off('SIGINT', this.onSigint)
    if (this.interrupted) await this.restore()
    if (!error && this.outcome !== undefined) process.exitCode = this.outcome
    // Every probe closes its sockets; this unref'd timer only fires if a client library leaked
    // one anyway (nats.js did, on connect timeouts): at 3 a.m. the CLI must return the prompt.
    if (this.exitGuardMs !== undefined) setTimeout(() => process.exit(), this.exitGuardMs).unref()
    return super.finally(error)
  }

  /** Loads agentctl.yaml with flag overrides; a bad config becomes exit 2 with path and fix. */
  protected loadConfig(flags: { config?: string; target?: string }, overrides: Record<string, unknown> = {}): LoadedConfig {
    return loadConfig({ file: flags.config, overrides: { 'target.url': flags.target, ...overrides } })
  }

  protected listFlag(values: string[] | undefined): string[] {
    return (values ?? []).flatMap(list)
  }

  protected duration(value: string | undefined, fallback: string, what: string): number {
    return parseDuration(value ?? fallback, what)
  }

  /**
   * Writes every requested output, prints the table (TTY) or JSON, appends the step summary, and
   * records the outcome: 130 when interrupted (a partial run never passes), else the gate's verdict.
   */
  protected async finish(report: Report, flags: { output?: string[]; 'fail-on'?: string; 'no-color'?: boolean }, how: { interrupted?: boolean; gate?: boolean; quiet?: boolean } = {}): Promise<Report> {
    const safe = redactDeep(report)
    // Check every extension before writing anything, so a typo doesn't leave half the outputs.
    const outputs = (flags.output ?? []).map((file) => ({ file, format: formatFromPath(file) }))
    for (const { file, format } of outputs) {
      writeOutput(file, () => {
        mkdirSync(dirname(file), { recursive: true })
        writeFileSync(file, renderReport(safe, format))
      })
      if (!this.jsonEnabled()) this.logToStderr(`wrote ${file}`)
    }
    const summaryFile = process.env.GITHUB_STEP_SUMMARY
    if (summaryFile) writeOutput(summaryFile, () => appendFileSync(summaryFile, renderReport(safe, 'markdown') + '\n'))
    if (!this.jsonEnabled() && !how.quiet) this.log(renderReport(safe, 'table', { color: colorEnabled({ noColorFlag: flags['no-color'] }), width: process.stdout.columns }))
    const gateFailed = how.gate !== false && gateFails(safe.verdict, (flags['fail-on'] as 'warn' | 'fail') ?? 'fail')
    this.outcome = how.interrupted ? ExitCode.Interrupted : gateFailed ? ExitCode.GateFailed : ExitCode.Ok
    // With --json oclif prints the returned value; the exit code carries the verdict.
    return safe
  }

  /** Every error leaves through here: redacted, with a hint, and exit 2 unless it says otherwise. */
  protected async catch(error: Error & { exitCode?: number; oclif?: { exit?: number } }): Promise<never> {
    if (error instanceof AgentctlError) {
      const message = redact(error.message) + (error.hint ? `\n  fix: ${redact(error.hint)}` : '')
      if (this.jsonEnabled()) this.logJson({ error: { message: redact(error.message), fix: error.hint ? redact(error.hint) : undefined, exitCode: error.exitCode } })
      else this.logToStderr(`agentctl: ${message}`)
      return this.exit(error.exitCode)
    }
    if (error.oclif?.exit !== undefined) throw error // oclif's own parse errors and this.exit() already carry a code
    // A stack trace helps us, not the user: show it only when asked for.
    const detail = process.env.DEBUG ? (error.stack ?? error.message) : `${error.message}\n  (set DEBUG=agentctl to see the stack trace)`
    this.logToStderr(`agentctl: internal error: ${redact(detail)}`)
    return this.exit(ExitCode.UsageOrInternal)
  }
}

/** A file we cannot write is a usage problem (exit 2) with the path and the reason, not a crash. */
function writeOutput(file: string, write: () => void): void {
  try {
    write()
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message
    throw new AgentctlError(`cannot write ${file}: ${reason}`, ExitCode.UsageOrInternal, 'check that the directory exists and is writable')
  }
}
