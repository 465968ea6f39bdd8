/**
 * The terminal table: what an engineer reads first. Findings worst first, then "what to do" for
 * everything that is not a pass, then the load summary. Colour only when the caller asks for it.
 */
import Table from 'cli-table3'
import type { Finding, LoadResult, Report, Status, Verdict } from '../src/report.js'
import { countsLine, fmtChange, fmtMs, fmtNum, fmtStepLatency, JOB_TITLE, loadSummaryRows, type RenderOptions, scoreText, sortFindings, STATUS_LABEL, stepVerdict } from './format.js'

const ANSI = { red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36, gray: 90, bold: 1 } as const
type Tone = keyof typeof ANSI

const STATUS_TONE: Record<Status, Tone> = { pass: 'green', warn: 'yellow', fail: 'red', error: 'magenta', skip: 'gray' }
const STATUS_MARK: Record<Status, string> = { pass: '✓', warn: '!', fail: '✗', error: '✗', skip: '-' }

export function renderTable(report: Report, options: RenderOptions = {}): string {
  const paint = (tone: Tone, text: string) => (options.color ? `\u001b[${ANSI[tone]}m${text}\u001b[0m` : text)
  const width = Math.max(60, options.width ?? 120)
  // A combined report usually has no findings of its own: then its sections and the overall line say it all.
  const ownContent = report.findings.length > 0 || report.load !== undefined || !report.sections?.length
  const blocks = ownContent ? [renderOne(report, paint, width)] : []
  for (const section of report.sections ?? []) blocks.push(`${paint('bold', `── ${JOB_TITLE[section.command]} ──`)}\n${renderOne(section, paint, width)}`)
  if (report.sections?.length) blocks.push(headline(report, paint, 'overall'))
  return blocks.join('\n\n')
}

type Paint = (tone: Tone, text: string) => string

function renderOne(report: Report, paint: Paint, width: number): string {
  const out = [headline(report, paint)]
  if (report.findings.length) out.push(findingsTable(report.findings, paint, width))
  const todo = sortFindings(report.findings).filter((f) => f.status !== 'pass' && f.status !== 'skip' && f.remediation)
  if (todo.length) {
    out.push(paint('bold', 'What to do:'))
    for (const f of todo) out.push(`  ${paint(STATUS_TONE[f.status], STATUS_MARK[f.status])} ${f.checkId}: ${f.remediation}`)
  }
  if (report.load) out.push(loadTables(report.load, paint))
  return out.join('\n')
}

function headline(report: Report, paint: Paint, label: string = report.command): string {
  const tone: Record<Verdict, Tone> = { pass: 'green', warn: 'yellow', fail: 'red', interrupted: 'magenta' }
  const findings = [...report.findings, ...(report.sections ?? []).flatMap((s) => s.findings)]
  return [
    `agentctl ${label}`,
    report.target,
    `verdict ${paint(tone[report.verdict], paint('bold', report.verdict.toUpperCase()))}`,
    scoreText(report),
    `${countsLine(findings)} in ${fmtMs(report.durationMs)}`,
  ].join('  ·  ')
}

function plainTable(head: string[], colWidths?: Array<number | null>): Table.Table {
  // Styles off: cli-table3's own colouring would ignore our colour decision.
  return new Table({ head, style: { head: [], border: [], compact: true }, wordWrap: true, wrapOnWordBoundary: true, ...(colWidths ? { colWidths } : {}) })
}

function findingsTable(findings: readonly Finding[], paint: Paint, width: number): string {
  // Fit the terminal: fixed columns sized to their content, the message takes what is left.
  const checkWidth = Math.min(32, Math.max(7, ...findings.map((f) => f.checkId.length)) + 2)
  const categoryWidth = Math.max(10, ...findings.map((f) => f.category.length)) + 2
  const fixed = 9 + checkWidth + categoryWidth + 8 + 6 // + borders
  const table = plainTable(['Status', 'Check', 'Category', 'Message', 'Time'], [9, checkWidth, categoryWidth, Math.max(20, width - fixed), 8])
  for (const f of sortFindings(findings)) {
    table.push([paint(STATUS_TONE[f.status], `${STATUS_MARK[f.status]} ${STATUS_LABEL[f.status]}`), f.checkId, f.category, f.message, fmtMs(f.durationMs)])
  }
  return table.toString()
}

function loadTables(load: LoadResult, paint: Paint): string {
  const out: string[] = [paint('bold', 'Load')]
  const summary = plainTable(['Measure', 'Value'])
  for (const row of loadSummaryRows(load)) summary.push(row)
  out.push(summary.toString())
  if (load.slo?.length) {
    const slo = plainTable(['SLO threshold', 'Observed', 'Result'])
    for (const s of load.slo) slo.push([s.expression, s.observed === null ? '– (no data)' : fmtNum(s.observed, 3), s.passed ? paint('green', '✓ pass') : paint('red', '✗ fail')])
    out.push(slo.toString())
  }
  if (load.steps.length > 1) {
    const steps = plainTable(['Offered req/s', 'Achieved req/s', 'p50', 'p95', 'p99', 'Errors', 'Step'])
    for (const s of load.steps) {
      const v = stepVerdict(s)
      const slo = !v ? '' : paint(v.held ? 'green' : 'red', v.reason ? `${v.label}: ${shortBreach(v.reason)}` : v.label)
      steps.push([fmtNum(s.offeredRps), fmtNum(s.achievedRps), fmtStepLatency(s, 'p50'), fmtStepLatency(s, 'p95'), fmtStepLatency(s, 'p99'), fmtNum(s.errors), slo])
    }
    out.push(steps.toString())
  }
  if (load.baseline?.regressions.length) {
    const reg = plainTable([`Regression vs ${load.baseline.file}`, 'Baseline', 'Current', 'Change'])
    for (const r of load.baseline.regressions) reg.push([r.metric, fmtNum(r.baseline, 2), fmtNum(r.current, 2), paint('red', fmtChange(r.changePct))])
    out.push(reg.toString())
  }
  return out.join('\n')
}

/** The head of a step's breach for a terminal cell: "p95<1000", "latency kept rising through the step". */
function shortBreach(reason: string): string {
  return reason.split(' (')[0]!
}
