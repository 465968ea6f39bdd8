import { resolve } from 'node:path'
import { Flags } from '@oclif/core'
import { AgentctlError, ExitCode } from '../src/exit-codes.js'
import type { Report } from '../src/report.js'
import { ReportingCommand } from './_shared/base.js'
import { createProgress, progressEnabled } from './_shared/progress.js'

export default class Demo extends ReportingCommand {
  static summary = 'See agentctl do its whole job in about a minute: no Redis, PostgreSQL, Kubernetes or API key needed'
  static description = `Starts the bundled reference agent on embedded defaults (PGlite, in-process cache) wired to the mock LLM, runs validate (the CI gate), a short capacity search (load) and diagnose (the on-call view) against it, writes one combined report (HTML with charts, and JSON) and prints each section's table and the report's path. Every process it starts is stopped at the end, also on Ctrl-C. Works offline.

Exit 0 when the demo ran (the verdicts inside are informational), 130 when interrupted (the partial report is still written), 2 when it could not run.`
  static examples = ['<%= config.bin %> demo', '<%= config.bin %> demo --out-dir /tmp/agentctl-demo', '<%= config.bin %> demo --quick']
  static flags = {
    'out-dir': Flags.string({ description: 'where to write report.html and report.json', default: 'agentctl-demo' }),
    'data-dir': Flags.string({ description: "the embedded PostgreSQL's data, reused between runs (the first start initialises it)", default: '.agentctl/demo-data' }),
    quick: Flags.boolean({ description: 'a shorter capacity search (3 steps of 2 s, 10-30 rps) for smoke tests' }),
    'no-color': Flags.boolean({ description: 'no colour in the terminal tables (also honours NO_COLOR)' }),
  }

  async run(): Promise<Report> {
    const { flags } = await this.parse(Demo)
    const outDir = resolve(flags['out-dir'])
    const { runDemo, demoFiles } = await import('./_jobs/demo.js')
    const files = demoFiles(outDir)

    // A second Ctrl-C leaves at once (130); the 'exit' hooks still SIGKILL the agent child.
    const signal = this.interruptSignal('\ndemo: interrupted — stopping the running job and cleaning up (Ctrl-C again to leave now)')
    const progress = createProgress({ enabled: progressEnabled({ json: this.jsonEnabled() }) })
    const note = (text: string) => {
      progress.done()
      if (!this.jsonEnabled()) this.logToStderr(text)
    }
    try {
      const result = await runDemo({
        version: this.config.version,
        dataDir: flags['data-dir'],
        quick: flags.quick,
        signal,
        progress: (text) => progress.line(text),
        note,
        onStarted: (stack, ms) => {
          note(`demo: reference agent at ${stack.agentUrl}, mock LLM at ${stack.mock.baseUrl} (up in ${(ms / 1000).toFixed(1)}s; data in ${stack.dataDir})`)
          // Ctrl-C in a resilience check: the mock goes back to healthy before the stack stops.
          this.onInterrupt(async () => {
            const { MockLlmControl } = await import('../harness/mock-llm/control-client.js')
            await new MockLlmControl(stack.mock.baseUrl).setScenario('healthy')
          })
        },
      })
      progress.done()
      // The verdicts describe the demo agent, not this run: the demo succeeded if it got here (0), or was interrupted (130).
      const safe = await this.finish(result.report, { output: [files.html, files.json], 'no-color': flags['no-color'] }, { interrupted: result.interrupted, gate: false })
      if (!this.jsonEnabled()) {
        if (result.interrupted) this.logToStderr(`demo: interrupted; the report holds the ${result.report.sections?.length ?? 0} job(s) that ran`)
        this.log(`\nreport: ${files.html}\n  json: ${files.json}`)
      }
      return safe
    } finally {
      progress.done()
    }
  }

  protected override async catch(error: Error & { exitCode?: number; oclif?: { exit?: number } }): Promise<never> {
    if (error instanceof AgentctlError || error.oclif?.exit !== undefined) return super.catch(error)
    return super.catch(new AgentctlError(`the demo could not run: ${error.message}`, ExitCode.UsageOrInternal, 'run `npm run build` first; `agentctl agent start` shows the agent\'s own error'))
  }
}
