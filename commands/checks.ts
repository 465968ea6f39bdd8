import { Args, Command } from '@oclif/core'
import type { CheckMode } from '../src/check.js'
import { AgentctlError, ExitCode } from '../src/exit-codes.js'

interface CatalogueEntry {
  id: string
  /** The category per command (a check shared by validate and diagnose may file differently). */
  categories: Partial<Record<CheckMode, string>>
  commands: CheckMode[]
  severity: 'warn' | 'fail'
  title: string
  summary: string
}

export default class Checks extends Command {
  static summary = 'List the check catalogue: ids, categories, commands and one-line summaries'
  static description =
    'Every check validate and diagnose can run. Use the ids and categories with --only/--skip and in the `checks:` block of agentctl.yaml (off, warn or fail). Each check has a README under checks/<id>/ in the package.'
  static examples = ['<%= config.bin %> checks', '<%= config.bin %> checks validate', '<%= config.bin %> checks diagnose --json']
  static args = { command: Args.string({ description: 'only the checks of this command', options: ['validate', 'diagnose'], required: false }) }
  static enableJsonFlag = true

  async run(): Promise<CatalogueEntry[]> {
    const { args } = await this.parse(Checks)
    const [{ catalogue }, { categoryOf }] = await Promise.all([import('../checks/index.js'), import('../src/runner.js')])
    const mode = args.command as CheckMode | undefined
    const entries = catalogue
      .filter((c) => !mode || c.appliesTo.includes(mode))
      .map((c) => ({
        id: c.id,
        categories: Object.fromEntries(c.appliesTo.map((m) => [m, categoryOf(c, m)])),
        commands: [...c.appliesTo],
        severity: c.severity,
        title: c.title,
        summary: c.description,
      }))
    if (entries.length === 0) throw new AgentctlError('no checks', ExitCode.UsageOrInternal)
    if (!this.jsonEnabled()) this.log(renderList(entries, process.stdout.columns || 100))
    return entries
  }
}

/** Grouped by command and category: `id  severity  summary`, wrapped to the terminal. */
function renderList(entries: CatalogueEntry[], columns: number): string {
  const idWidth = Math.max(...entries.map((e) => e.id.length))
  const out: string[] = []
  for (const mode of ['validate', 'diagnose'] as const) {
    const own = entries.filter((e) => e.commands.includes(mode))
    if (own.length === 0) continue
    out.push(`${mode.toUpperCase()} (${own.length} checks)`)
    const categories = [...new Set(own.map((e) => e.categories[mode]!))]
    for (const category of categories) {
      out.push(`  ${category}`)
      for (const e of own.filter((x) => x.categories[mode] === category)) {
        const head = `    ${e.id.padEnd(idWidth)}  ${e.severity.padEnd(4)}  `
        out.push(head + wrap(e.summary, Math.max(30, columns - head.length)).join(`\n${' '.repeat(head.length)}`))
      }
    }
    out.push('')
  }
  out.push('severity: how a failure counts by default (fail gates, warn only warns); override per check in agentctl.yaml `checks:`.')
  return out.join('\n')
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = []
  let line = ''
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) (lines.push(line), (line = word))
    else line = line ? `${line} ${word}` : word
  }
  if (line) lines.push(line)
  return lines
}
