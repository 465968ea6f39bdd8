import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { Command, Flags, type Interfaces } from '@oclif/core'
import { closest, type LoadedConfig, loadConfig } from '../../src/config/load.js'
import { parsePositiveDuration } from '../../src/duration.js'
import { AgentctlError, ExitCode } from '../../src/exit-codes.js'
import { redact, redactDeep } from '../../src/redact.js'
import { gateFails, type Report } from '../../src/report.js'
import { FILE_FORMATS, type Format, formatFromPath, type RenderOptions, renderReport } from '../../reports/index.js'
import { armExitGuard } from './exit-guard.js'
import { colorEnabled } from './progress.js'

const list = (value: string) => value.split(',').map((s) => s.trim()).filter(Boolean)

/** Flags every reporting command shares (contract: docs/CONTRACTS.md "Common flags"). */
export const commonFlags = {
  config: Flags.string({ char: 'c', description: 'config file (default ./agentctl.yaml if present)' }),
  target: Flags.string({ description: 'agent base URL (overrides target.url)' }),
  protocol: Flags.string({ options: ['agentctl', 'openai-chat', 'a2a', 'ai-sdk', 'http'], description: "the agent's chat wire format (overrides target.protocol; see README 'Judging your agent')" }),
  output: Flags.string({ char: 'o', multiple: true, description: 'write the report; format from the extension: .json .html .xml (JUnit) .md .sarif; - is stdout (with --format)' }),
  format: Flags.string({ options: [...FILE_FORMATS], description: 'format of -o - (the report on stdout instead of the table)' }),
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
  /** exitGraceMs(--timeout), set by a command that opens sockets: the process leaves at most this long after the run. */
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
    // Best effort: the run is ending anyway, and a restore that fails must not hide why.
    await Promise.allSettled(this.restoreHooks.map(async (hook) => hook()))
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
    // At 3 a.m. the CLI must return the prompt as soon as the report is out (exit-guard.ts).
    if (this.exitGuardMs !== undefined) armExitGuard(this.exitGuardMs)
    return super.finally(error)
  }

  /** Loads agentctl.yaml with flag overrides; a bad config becomes exit 2 with path and fix. */
  protected loadConfig(flags: { config?: string; target?: string; protocol?: string }, overrides: Record<string, unknown> = {}): LoadedConfig {
    const loaded = loadConfig({ file: flags.config, overrides: { 'target.url': flags.target, 'target.protocol': flags.protocol, ...overrides }, overrideFlags: { 'target.url': '--target', 'target.protocol': '--protocol' } })
    this.configFile = loaded.file
    return loaded
  }

  /** The config file this run read, if any (SARIF points findings about the target at it). */
  private configFile?: string

  protected listFlag(values: string[] | undefined): string[] {
    return (values ?? []).flatMap(list)
  }

  /** A duration flag that must be longer than 0, else its config default (`key` names it in an error). */
  protected duration(value: string | undefined, fallback: string, flag: string, key?: string): number {
    return value === undefined ? parsePositiveDuration(fallback, key ?? flag) : parsePositiveDuration(value, flag)
  }

  /**
   * Writes every requested output, prints the table (TTY) or JSON, appends the step summary, and
   * records the outcome: 130 when interrupted (a partial run never passes), else the gate's verdict.
   */
  protected async finish(report: Report, flags: { output?: string[]; format?: string; 'fail-on'?: string; 'no-color'?: boolean }, how: { interrupted?: boolean; gate?: boolean; quiet?: boolean } = {}): Promise<Report> {
    const safe = redactDeep(report)
    // Check every output before writing anything, so a typo doesn't leave half the outputs.
    const outputs = this.outputTargets(flags.output ?? [], flags.format)
    const toStdout = outputs.some((o) => o.file === '-')
    const options: RenderOptions = outputs.some((o) => o.format === 'sarif') ? await this.sarifOptions() : {}
    for (const { file, format } of outputs) {
      if (file === '-') {
        process.stdout.write(renderReport(safe, format, options))
        continue
      }
      writeOutput(file, () => {
        mkdirSync(dirname(file), { recursive: true })
        writeFileSync(file, renderReport(safe, format, options))
      })
      if (!this.jsonEnabled()) this.logToStderr(`wrote ${file}`)
    }
    const summaryFile = process.env.GITHUB_STEP_SUMMARY
    if (summaryFile) writeOutput(summaryFile, () => appendFileSync(summaryFile, renderReport(safe, 'markdown') + '\n'))
    if (!this.jsonEnabled() && !how.quiet && !toStdout) this.log(renderReport(safe, 'table', { color: colorEnabled({ noColorFlag: flags['no-color'] }), width: process.stdout.columns }))
    const gateFailed = how.gate !== false && gateFails(safe.verdict, (flags['fail-on'] as 'warn' | 'fail') ?? 'fail')
    this.outcome = how.interrupted ? ExitCode.Interrupted : gateFailed ? ExitCode.GateFailed : ExitCode.Ok
    // With --json oclif prints the returned value; the exit code carries the verdict.
    return safe
  }

  /**
   * Rule help for every check, and where the target is declared: code scanning refuses a result
   * without a file, so findings about the running agent point at the config's target.url.
   */
  private async sarifOptions(): Promise<RenderOptions> {
    const [{ checkDocs }, { readConfigSource }] = await Promise.all([import('../../checks/docs.js'), import('../../src/config/locate.js')])
    const target = this.configFile ? readConfigSource(this.configFile)?.locate('target.url') : undefined
    return { checkDocs: checkDocs(), ...(target ? { sarifTargetLocation: target } : {}) }
  }

  /** -o files by extension; `-o -` is stdout in the --format the user names (never guessed). */
  private outputTargets(files: string[], format: string | undefined): Array<{ file: string; format: Format }> {
    const dashes = files.filter((f) => f === '-').length
    if (dashes > 1) throw new AgentctlError('-o - is given twice: stdout takes one report', ExitCode.UsageOrInternal, 'write the other formats to files: -o - --format sarif -o report.html')
    if (dashes === 1 && !format) throw new AgentctlError('-o - writes the report to stdout, in which format?', ExitCode.UsageOrInternal, `add --format ${FILE_FORMATS.join('|')}`)
    if (dashes === 1 && this.jsonEnabled()) throw new AgentctlError('-o - and --json both write to stdout', ExitCode.UsageOrInternal, 'use -o - --format json, or --json alone')
    if (format && dashes === 0) throw new AgentctlError(`--format ${format} names the format of -o - (stdout); files take theirs from the extension`, ExitCode.UsageOrInternal, `add -o -, or drop --format`)
    return files.map((file) => ({ file, format: file === '-' ? (format as Format) : formatFromPath(file) }))
  }

  /** Every error leaves through here: redacted, with a hint, and exit 2 unless it says otherwise. */
  protected async catch(error: Error & { exitCode?: number; oclif?: { exit?: number } }): Promise<never> {
    if (error instanceof AgentctlError) {
      const message = redact(error.message) + (error.hint ? `\n  fix: ${redact(error.hint)}` : '')
      if (this.jsonEnabled()) this.logJson({ error: { message: redact(error.message), fix: error.hint ? redact(error.hint) : undefined, exitCode: error.exitCode } })
      else this.logToStderr(`agentctl: ${message}`)
      return this.exit(error.exitCode)
    }
    const unknownFlag = /Nonexistent flags?: (-{1,2}[\w-]+)/.exec(error.message)?.[1]
    if (unknownFlag) {
      // oclif prints the whole usage after "Nonexistent flag"; one line with the nearest flag says more.
      const known = Object.keys((this.constructor as { flags?: Record<string, unknown> }).flags ?? {})
      const typed = unknownFlag.replace(/^-+/, '')
      // A prefix (--out for --out-dir) first, then the nearest spelling.
      const near = known.find((k) => k.startsWith(typed)) ?? closest(typed, known)
      return this.catch(new AgentctlError(`unknown flag ${unknownFlag}`, ExitCode.UsageOrInternal, `${near ? `did you mean --${near}? ` : ''}\`agentctl ${this.id} --help\` lists the flags`))
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
