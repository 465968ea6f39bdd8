import { readFileSync } from 'node:fs'
import { Args, Flags } from '@oclif/core'
import { AgentctlError, ExitCode } from '../src/exit-codes.js'
import type { Report } from '../src/report.js'
import { parseReport } from '../src/report-schema.js'
import { commonFlags, ReportingCommand } from './_shared/base.js'

export default class ReportCommand extends ReportingCommand {
  static summary = 'Re-render a saved JSON report as HTML, JUnit XML, Markdown, SARIF or a table'
  static description =
    "Reads a report saved with -o report.json (by validate, diagnose, load or demo), checks it against the report schema, and writes it in other formats. Without -o it prints the table. The exit code follows the report's verdict and --fail-on, as it did when the report was made (130 for an interrupted run)."
  static examples = [
    '<%= config.bin %> report agentctl-report.json',
    '<%= config.bin %> report agentctl-report.json -o report.html -o junit.xml',
    '<%= config.bin %> report load.json -o summary.md --fail-on warn',
  ]
  static args = { file: Args.string({ description: 'a JSON report written by agentctl', required: true }) }
  static flags = {
    output: commonFlags.output,
    format: commonFlags.format,
    'fail-on': commonFlags['fail-on'],
    'no-color': commonFlags['no-color'],
  }

  async run(): Promise<Report> {
    const { args, flags } = await this.parse(ReportCommand)
    const report = readReport(args.file)
    // An interrupted run's report exits as the run did (130): it has no verdict to gate on.
    return this.finish(report, flags, { interrupted: report.verdict === 'interrupted' })
  }
}

function readReport(file: string): Report {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new AgentctlError(`cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : (code ?? (error as Error).message)}`, ExitCode.UsageOrInternal, 'pass the path of a JSON report written with -o report.json')
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw new AgentctlError(`${file} is not JSON: ${(error as Error).message}`, ExitCode.UsageOrInternal, 'pass a report written with -o report.json (not the HTML or XML one)')
  }
  const parsed = parseReport(value)
  if (!parsed.ok) throw new AgentctlError(`${file} is not an agentctl report: ${parsed.problem}`, ExitCode.UsageOrInternal, 'the file must match schemas/report.schema.json; re-create it with -o report.json')
  return parsed.report
}
