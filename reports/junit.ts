/**
 * JUnit XML for CI test tabs (GitLab, Jenkins, GitHub test reporters). One testsuite per category
 * (per job and category in a combined report), one testcase per finding:
 * fail -> <failure>, error -> <error>, skip -> <skipped>, pass -> a plain testcase, and warn -> a
 * passing testcase whose <system-out> starts with "WARN" (a warning must not turn CI red unless the
 * gate says so; the exit code carries --fail-on). Load SLO thresholds become testcases too.
 */
import type { Finding, LoadResult, Report } from '../src/report.js'
import { evidenceEntries, groupByCategory } from './format.js'

// XML 1.0 forbids most control characters even when escaped; drop them.
// eslint-disable-next-line no-control-regex
const INVALID_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g

export function xmlEscape(text: string): string {
  return String(text)
    .replace(INVALID_XML, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
}

const attr = (text: string) => xmlEscape(text).replace(/\r?\n/g, '&#10;')
const seconds = (ms: number) => (ms / 1000).toFixed(3)

interface Suite {
  name: string
  cases: string[]
  failures: number
  errors: number
  skipped: number
  timeMs: number
}

export function renderJunit(report: Report): string {
  const suites: Suite[] = []
  addReport(report, report.sections?.length ? `${report.command}` : '', suites)
  for (const section of report.sections ?? []) addReport(section, section.command, suites)
  // A partial run has no verdict: one error testcase says so, so a CI test tab never shows it green.
  if (report.verdict === 'interrupted') suites.push(interruptedSuite(report))
  const total = (key: 'failures' | 'errors' | 'skipped') => suites.reduce((n, s) => n + s[key], 0)
  const tests = suites.reduce((n, s) => n + s.cases.length, 0)
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="agentctl ${attr(report.command)}" tests="${tests}" failures="${total('failures')}" errors="${total('errors')}" skipped="${total('skipped')}" time="${seconds(report.durationMs)}" timestamp="${attr(report.startedAt)}">`,
  ]
  for (const s of suites) {
    lines.push(
      `  <testsuite name="${attr(s.name)}" tests="${s.cases.length}" failures="${s.failures}" errors="${s.errors}" skipped="${s.skipped}" time="${seconds(s.timeMs)}" timestamp="${attr(report.startedAt)}">`,
      ...s.cases,
      '  </testsuite>',
    )
  }
  lines.push('</testsuites>')
  return lines.join('\n') + '\n'
}

function addReport(report: Report, prefix: string, suites: Suite[]): void {
  const base = `agentctl.${prefix || report.command}`
  for (const group of groupByCategory(report.findings)) {
    const suite: Suite = { name: `${base}.${group.category}`, cases: [], failures: 0, errors: 0, skipped: 0, timeMs: 0 }
    for (const f of group.findings) {
      suite.cases.push(testcase(f, suite.name))
      suite.timeMs += f.durationMs
      if (f.status === 'fail') suite.failures++
      if (f.status === 'error') suite.errors++
      if (f.status === 'skip') suite.skipped++
    }
    suites.push(suite)
  }
  if (report.load?.slo?.length) suites.push(sloSuite(report.load, `${base}.load-slo`))
}

function detail(f: Finding): string {
  const evidence = evidenceEntries(f.evidence, 2000).map(([k, v]) => `  ${k}: ${v}`)
  return [f.message, ...(evidence.length ? ['evidence:', ...evidence] : []), ...(f.remediation ? [`remediation: ${f.remediation}`] : [])].join('\n')
}

function testcase(f: Finding, classname: string): string {
  const open = `    <testcase name="${attr(`${f.checkId}: ${f.title}`)}" classname="${attr(classname)}" time="${seconds(f.durationMs)}">`
  const props = `      <properties><property name="status" value="${f.status}"/><property name="severity" value="${f.severity}"/></properties>`
  const body = xmlEscape(detail(f))
  switch (f.status) {
    case 'fail':
      return [open, props, `      <failure message="${attr(f.message)}" type="${attr(f.severity)}">${body}</failure>`, '    </testcase>'].join('\n')
    case 'error':
      return [open, props, `      <error message="${attr(f.message)}" type="check-error">${body}</error>`, '    </testcase>'].join('\n')
    case 'skip':
      return [open, props, `      <skipped message="${attr(f.message)}"/>`, '    </testcase>'].join('\n')
    case 'warn':
      return [open, props, `      <system-out>WARN ${body}</system-out>`, '    </testcase>'].join('\n')
    default:
      return [open, props, `      <system-out>${body}</system-out>`, '    </testcase>'].join('\n')
  }
}

function sloSuite(load: LoadResult, name: string): Suite {
  const suite: Suite = { name, cases: [], failures: 0, errors: 0, skipped: 0, timeMs: 0 }
  for (const s of load.slo ?? []) {
    const open = `    <testcase name="${attr(s.expression)}" classname="${attr(name)}" time="0.000">`
    const text = `${s.metric} ${s.op} ${s.threshold}: observed ${s.observed ?? 'nothing (no successful responses)'}`
    if (s.passed) suite.cases.push([open, `      <system-out>${xmlEscape(text)}</system-out>`, '    </testcase>'].join('\n'))
    else {
      suite.failures++
      suite.cases.push([open, `      <failure message="${attr(`SLO threshold failed: ${text}`)}" type="slo">${xmlEscape(text)}</failure>`, '    </testcase>'].join('\n'))
    }
  }
  return suite
}

function interruptedSuite(report: Report): Suite {
  const name = `agentctl.${report.command}.run`
  const message = `interrupted (Ctrl-C) before the run finished: no verdict; rerun to completion`
  const open = `    <testcase name="run completed" classname="${attr(name)}" time="${seconds(report.durationMs)}">`
  return { name, cases: [[open, `      <error message="${attr(message)}" type="interrupted">${xmlEscape(message)}</error>`, '    </testcase>'].join('\n')], failures: 0, errors: 1, skipped: 0, timeMs: report.durationMs }
}
