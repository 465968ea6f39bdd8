import { XMLParser, XMLValidator } from 'fast-xml-parser'
import { describe, expect, it } from 'vitest'
import { allSampleReports, fixtureReport, makeFinding, makeReport } from '../test/support/report-samples.js'
import { type Format, formatFromPath, renderReport } from './index.js'
import { niceTicks } from './svg-chart.js'

const samples = allSampleReports()
const ANSI = /\u001b\[/

describe('formatFromPath', () => {
  it.each([
    ['r.json', 'json'],
    ['out/r.HTML', 'html'],
    ['r.htm', 'html'],
    ['junit.xml', 'junit'],
    ['summary.md', 'markdown'],
  ])('%s -> %s', (file, format) => expect(formatFromPath(file)).toBe(format))

  it('rejects an unknown or missing extension with exit code 2', () => {
    for (const file of ['r.pdf', 'report', 'dir.v2/report']) expect(() => formatFromPath(file)).toThrow(expect.objectContaining({ exitCode: 2 }))
  })
})

describe('every renderer handles every sample', () => {
  const formats: Format[] = ['table', 'json', 'html', 'junit', 'markdown']
  it.each(Object.keys(samples).flatMap((name) => formats.map((format) => [name, format] as const)))('%s as %s', (name, format) => {
    const out = renderReport(samples[name]!, format)
    expect(out.length).toBeGreaterThan(50)
    for (const f of samples[name]!.findings) expect(out).toContain(f.checkId)
  })

  it('is pure: the same input renders the same output and is not mutated', () => {
    const report = fixtureReport('demo')
    const copy = structuredClone(report)
    for (const format of formats) expect(renderReport(report, format)).toBe(renderReport(report, format))
    expect(report).toEqual(copy)
  })
})

describe('table', () => {
  it('shows the verdict, score, findings worst first and what to do', () => {
    const out = renderReport(fixtureReport('validate'), 'table')
    expect(out).toMatch(/verdict FAIL .*score 64\/100/)
    expect(out.indexOf('llm-timeout')).toBeLessThan(out.indexOf('config-schema'))
    expect(out).toContain('What to do:')
    expect(out).toContain('sql-guard: Run tool SQL as a role with SELECT only')
  })

  it('colours only when asked to', () => {
    const report = fixtureReport('validate')
    expect(renderReport(report, 'table')).not.toMatch(ANSI)
    expect(renderReport(report, 'table', { color: false })).not.toMatch(ANSI)
    expect(renderReport(report, 'table', { color: true })).toMatch(ANSI)
  })

  it('summarises load results: capacity, cost, SLO thresholds, steps and regressions', () => {
    const out = renderReport(fixtureReport('load'), 'table')
    for (const text of ['Max sustainable rate', '60 req/s per replica', 'Replicas needed', '4 for 200 req/s', '$36,979.20', 'p95<5000', 'breached', '+18.4%']) expect(out).toContain(text)
  })

  it('never shows "0 req/s" for a search where no rate held: below the first step, or not measured', () => {
    const report = fixtureReport('load')
    const load = report.load!
    const firstRate = load.steps![0]!.offeredRps
    const withOutcome = (outcome: 'below-first' | 'interrupted') => ({ ...report, load: { ...load, capacity: { ...load.capacity!, maxSustainableRps: 0, brokeAtRps: undefined, outcome } } })
    const below = renderReport(withOutcome('below-first'), 'table')
    expect(below).toContain(`below ${firstRate} req/s per replica (the first step broke)`)
    const interrupted = renderReport(withOutcome('interrupted'), 'table')
    expect(interrupted).toContain('not measured (interrupted before a rate held)')
    for (const out of [below, interrupted]) expect(out).not.toMatch(/[^\d]0 req\/s per replica/)
  })

  it('shows an SLO that had nothing to measure as "no data" in every format, never as 0', () => {
    const report = fixtureReport('load')
    report.load!.slo![0] = { ...report.load!.slo![0]!, observed: null, passed: false }
    report.load!.steps!.push({ offeredRps: 90, achievedRps: 0, requests: 40, errors: 40, latencyMs: { p50: 0, p90: 0, p95: 0, p99: 0, max: 0 }, durationMs: 10_000, sloPassed: false })
    for (const format of ['table', 'markdown', 'html'] as const) {
      const out = renderReport(report, format)
      expect(out).toContain('– (no data)')
      expect(out).not.toMatch(/\b90\b[^\n]*\b0ms\b/) // the all-failed step shows no latency
    }
    expect(renderReport(report, 'junit')).toContain('observed nothing (no successful responses)')
  })

  it('prints one block per section of a combined report, and the overall verdict', () => {
    const out = renderReport(fixtureReport('demo'), 'table')
    for (const title of ['Validate (deploy gate)', 'Diagnose (incident triage)', 'Load (capacity)']) expect(out).toContain(title)
    expect(out).toMatch(/agentctl overall .*verdict FAIL/)
  })
})

describe('markdown', () => {
  it('has a verdict headline, a findings table and remediation', () => {
    const out = renderReport(fixtureReport('validate'), 'markdown')
    expect(out).toMatch(/^## ❌ agentctl validate: FAIL \(score 64\/100\)/)
    expect(out).toContain('| Status | Check | Category | Message | Time |')
    expect(out).toContain('**llm-timeout**')
  })

  it('keeps table rows intact and raw HTML out, whatever a message holds', () => {
    const out = renderReport(makeReport({ findings: [makeFinding({ message: 'a | b\nc <img src=x>' })] }), 'markdown')
    const row = out.split('\n').find((l) => l.includes('redis'))!
    expect(row).toContain('a \\| b c &lt;img src=x&gt;')
    expect(out).not.toContain('<img')
  })

  it('summarises load and sections', () => {
    const out = renderReport(fixtureReport('demo'), 'markdown')
    expect(out).toContain('### ❌ Validate (deploy gate): FAIL')
    expect(out).toContain('#### Load')
    expect(out).toContain('| Max sustainable rate | 60 req/s per replica |')
  })
})

describe('junit', () => {
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => ['testsuite', 'testcase'].includes(name) })

  it.each(Object.keys(samples))('%s parses as XML', (name) => {
    expect(XMLValidator.validate(renderReport(samples[name]!, 'junit'))).toBe(true)
  })

  it('has one testcase per finding and maps fail/error/skip', () => {
    const report = fixtureReport('validate')
    const doc = parser.parse(renderReport(report, 'junit'))
    const suites = doc.testsuites.testsuite as Array<{ name: string; testcase: Array<Record<string, unknown>> }>
    const cases = suites.flatMap((s) => s.testcase)
    expect(cases).toHaveLength(report.findings.length)
    const count = (status: string) => report.findings.filter((f) => f.status === status).length
    expect(Number(doc.testsuites.failures)).toBe(count('fail'))
    expect(Number(doc.testsuites.errors)).toBe(count('error'))
    expect(Number(doc.testsuites.skipped)).toBe(count('skip'))
    expect(cases.filter((c) => c.failure)).toHaveLength(count('fail'))
    expect(cases.filter((c) => c.error)).toHaveLength(count('error'))
    expect(cases.filter((c) => c.skipped !== undefined)).toHaveLength(count('skip'))
    expect(suites.map((s) => s.name)).toContain('agentctl.validate.resilience')
  })

  it('adds the load SLO thresholds as testcases, failing the ones that failed', () => {
    const report = fixtureReport('load')
    report.load!.slo![0]!.passed = false
    const doc = parser.parse(renderReport(report, 'junit'))
    const slo = (doc.testsuites.testsuite as Array<{ name: string; testcase: Array<Record<string, unknown>> }>).find((s) => s.name.endsWith('load-slo'))!
    expect(slo.testcase).toHaveLength(3)
    expect(slo.testcase.filter((c) => c.failure)).toHaveLength(1)
  })

  it('survives markup and control characters in any field', () => {
    const nasty = 'a <b> & "c" \'d\' ]]> \u0001\u0007 end'
    const report = makeReport({ findings: [makeFinding({ status: 'fail', checkId: nasty, title: nasty, message: nasty, remediation: nasty, evidence: { [nasty]: nasty } })] })
    expect(XMLValidator.validate(renderReport(report, 'junit'))).toBe(true)
  })
})

describe('niceTicks', () => {
  it('covers the range with round steps', () => {
    expect(niceTicks(0, 97, 5)).toEqual([0, 20, 40, 60, 80, 100])
    expect(niceTicks(0, 0.37, 4)).toEqual([0, 0.1, 0.2, 0.3, 0.4])
    expect(niceTicks(5, 5)).toEqual([5, 5.5, 6, 6.5, 7, 7.5])
  })
})

describe('an interrupted run', () => {
  // A partial run has no verdict (docs/CONTRACTS.md "Exit codes"): no renderer may read as PASS.
  const partial = makeReport({ verdict: 'interrupted', score: 100, findings: [makeFinding({ status: 'pass' }), makeFinding({ checkId: 'rate-limiting', status: 'skip', message: 'interrupted (Ctrl-C) before it finished: not judged' })] })
  const demo = makeReport({ command: 'demo', verdict: 'interrupted', findings: [], sections: [partial] })
  it.each(['table', 'html', 'markdown'] as const)('%s shows INTERRUPTED and a partial score, never PASS as the verdict', (format) => {
    for (const report of [partial, demo]) {
      const out = renderReport(report, format)
      expect(out).toContain('INTERRUPTED')
      expect(out).toMatch(/partial score/)
      expect(out).not.toMatch(/verdict PASS|report: PASS|: PASS \(score|s-pass big/)
    }
  })
  it('json carries verdict "interrupted"; junit adds an error testcase so CI never shows it green', () => {
    expect(JSON.parse(renderReport(demo, 'json'))).toMatchObject({ verdict: 'interrupted', sections: [{ verdict: 'interrupted' }] })
    const xml = renderReport(partial, 'junit')
    expect(xml).toMatch(/<testsuites [^>]*errors="1"/)
    expect(xml).toContain('type="interrupted"')
  })
})
