/**
 * Markdown, sized for a GitHub Actions step summary ($GITHUB_STEP_SUMMARY): a verdict headline,
 * a findings table, remediation for what is not passing, and the load summary.
 */
import type { Finding, LoadResult, Report, Status, Verdict } from '../src/report.js'
import { countsLine, fmtChange, fmtMs, fmtNum, fmtStepLatency, JOB_TITLE, loadSummaryRows, scoreText, sortFindings, STATUS_LABEL, stepVerdict } from './format.js'

const STATUS_ICON: Record<Status, string> = { pass: '✅', warn: '⚠️', fail: '❌', error: '💥', skip: '⏭️' }
const VERDICT_ICON: Record<Verdict, string> = { pass: '✅', warn: '⚠️', fail: '❌', interrupted: '⏹️' }

/** One table cell: no pipes or newlines to break the row, no raw HTML for the summary page to interpret. */
export function mdCell(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\|/g, '\\|')
    .replace(/\r?\n/g, ' ')
    .replace(/([`*_[\]])/g, '\\$1')
}

export function renderMarkdown(report: Report): string {
  const out: string[] = []
  out.push(`## ${VERDICT_ICON[report.verdict]} agentctl ${report.command}: ${report.verdict.toUpperCase()} (${scoreText(report)})`, '')
  const all = [...report.findings, ...(report.sections ?? []).flatMap((s) => s.findings)]
  out.push(`Target ${mdCell(report.target)} · ${countsLine(all)} · ${fmtMs(report.durationMs)} · agentctl ${mdCell(report.tool.version)}`, '')
  body(report, out, '###')
  for (const section of report.sections ?? []) {
    out.push(`### ${VERDICT_ICON[section.verdict]} ${JOB_TITLE[section.command]}: ${section.verdict.toUpperCase()} (${scoreText(section)})`, '')
    out.push(`${countsLine(section.findings)} · ${fmtMs(section.durationMs)}`, '')
    body(section, out, '####')
  }
  return out.join('\n').trimEnd() + '\n'
}

function body(report: Report, out: string[], heading: string): void {
  if (report.findings.length) findingsTable(report.findings, out)
  const todo = sortFindings(report.findings).filter((f) => (f.status === 'fail' || f.status === 'error' || f.status === 'warn') && f.remediation)
  if (todo.length) {
    out.push(`<details open><summary>What to do (${todo.length})</summary>`, '')
    for (const f of todo) out.push(`- ${STATUS_ICON[f.status]} **${mdCell(f.checkId)}**: ${mdCell(f.remediation)}`)
    out.push('', '</details>', '')
  }
  if (report.load) loadSection(report.load, out, heading)
}

function findingsTable(findings: readonly Finding[], out: string[]): void {
  out.push('| Status | Check | Category | Message | Time |', '|---|---|---|---|---:|')
  for (const f of sortFindings(findings)) {
    out.push(`| ${STATUS_ICON[f.status]} ${STATUS_LABEL[f.status]} | ${mdCell(f.checkId)} | ${f.category} | ${mdCell(f.message)} | ${fmtMs(f.durationMs)} |`)
  }
  out.push('')
}

function loadSection(load: LoadResult, out: string[], heading: string): void {
  out.push(`${heading} Load`, '', '| Measure | Value |', '|---|---|')
  for (const [k, v] of loadSummaryRows(load)) out.push(`| ${k} | ${mdCell(v)} |`)
  out.push('')
  if (load.slo?.length) {
    out.push('| SLO threshold | Observed | Result |', '|---|---:|---|')
    for (const s of load.slo) out.push(`| ${mdCell(s.expression)} | ${s.observed === null ? '– (no data)' : fmtNum(s.observed, 3)} | ${s.passed ? '✅ pass' : '❌ fail'} |`)
    out.push('')
  }
  if (load.steps.length > 1) {
    out.push('| Offered req/s | Achieved req/s | p50 | p95 | p99 | Errors | Step |', '|---:|---:|---:|---:|---:|---:|---|')
    for (const s of load.steps) {
      const v = stepVerdict(s)
      const slo = !v ? '' : `${v.held ? '✅' : '❌'} ${v.label}${v.reason ? `: ${mdCell(v.reason)}` : ''}`
      out.push(`| ${fmtNum(s.offeredRps)} | ${fmtNum(s.achievedRps)} | ${fmtStepLatency(s, 'p50')} | ${fmtStepLatency(s, 'p95')} | ${fmtStepLatency(s, 'p99')} | ${fmtNum(s.errors)} | ${slo} |`)
    }
    out.push('')
  }
  if (load.baseline?.regressions.length) {
    out.push(`Regressions against ${mdCell(load.baseline.file)}:`, '', '| Metric | Baseline | Current | Change |', '|---|---:|---:|---:|')
    for (const r of load.baseline.regressions) out.push(`| ${mdCell(r.metric)} | ${fmtNum(r.baseline, 2)} | ${fmtNum(r.current, 2)} | ${fmtChange(r.changePct)} |`)
    out.push('')
  }
}
