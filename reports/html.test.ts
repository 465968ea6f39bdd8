import { describe, expect, it } from 'vitest'
import type { Report } from '../src/report.js'
import { parseReport } from '../src/report-schema.js'
import { fixtureReport, makeFinding, makeReport } from '../test/support/report-samples.js'
import { HTML_CSP } from './html.js'
import { renderReport } from './index.js'
import { lineChart } from './svg-chart.js'

const PAYLOADS = ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', "javascript:alert('x')", "'><svg onload=alert(1)>"]

/** A report with the payload in every string field a renderer could print. */
function poisoned(p: string): Report {
  const finding = makeFinding({ checkId: p, title: p, message: p, remediation: p, status: 'fail', evidence: { [p]: p, nested: { [p]: [p] } } })
  const load = fixtureReport('load').load!
  const section = makeReport({ target: p, findings: [finding], tool: { name: p, version: p } })
  return makeReport({
    target: p,
    tool: { name: p, version: p },
    startedAt: '2026-11-21T21:30:00.000Z',
    findings: [finding, makeFinding({ status: 'pass', checkId: `${p}-pass`, title: p, message: p })],
    load: {
      ...load,
      aborted: p,
      slo: [{ expression: p, metric: p, op: '<', threshold: 5000, observed: 1, passed: false }],
      baseline: { file: p, regressions: [{ metric: p, baseline: 1, current: 2, changePct: 100 }] },
    },
    sections: [section],
  })
}

describe('HTML escaping', () => {
  it.each(PAYLOADS)('never emits %s unescaped, in any field', (payload) => {
    expect(parseReport(poisoned(payload)).ok).toBe(true) // a valid report: the payload arrives through the front door
    const html = renderReport(poisoned(payload), 'html')
    expect(html).not.toContain(payload)
    expect(html).not.toMatch(/<script/i)
    expect(html).not.toMatch(/<img/i)
    expect(html).not.toMatch(/<[a-z][^>]*\son[a-z]+\s*=/i) // no tag carries an event-handler attribute
    expect(html).not.toMatch(/(href|src|action)\s*=\s*["']?\s*javascript:/i)
    // The text is still there for the reader, escaped.
    expect(html).toContain('&lt;')
  })

  it('escapes the quote characters that would break out of an attribute', () => {
    const html = renderReport(poisoned(`"'\``), 'html')
    expect(html).toContain('&quot;&#39;&#96;')
  })
})

describe('HTML report', () => {
  it('is one offline document with a restrictive CSP and no JavaScript', () => {
    const html = renderReport(fixtureReport('demo'), 'html')
    expect(html.startsWith('<!doctype html>')).toBe(true)
    expect(HTML_CSP).toContain("default-src 'none'")
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="${HTML_CSP}">`)
    expect(html).not.toMatch(/<script|<link|<iframe|https?:\/\/(?!127\.0\.0\.1|www\.w3\.org)/i)
    expect(html).toContain('<style>')
  })

  it('groups findings by category with evidence and remediation; failures open, passes folded', () => {
    const html = renderReport(fixtureReport('validate'), 'html')
    for (const heading of ['Configuration', 'Dependencies', 'Resilience', 'Security']) expect(html).toMatch(new RegExp(`<h3 id="top-[a-z]+">${heading} `))
    expect(html).toContain('<div class="remediation"><b>What to do:</b> Set a client timeout on LLM calls')
    expect(html).toMatch(/<table class="evidence">.*waitedMs.*30000/s)
    expect(html).toMatch(/<details class="finding" open>\n<summary><span class="badge s-fail">FAIL<\/span> <span class="title">LLM timeout is bounded/)
    expect(html).toMatch(/<details class="finding">\n<summary><span class="badge s-pass">PASS<\/span> <span class="title">Config is valid/)
  })

  it('links each trace behind a finding (evidence.traceUrls), http(s) only, named by its trace id', () => {
    const ids = ['4bf92f3577b34da6a3ce929d0e0e4736', '0af7651916cd43dd8448eb211c80319c']
    const traceUrls = [`http://127.0.0.1:16686/trace/${ids[0]}?a=1&b="2"`, `javascript:alert('${ids[1]}')`]
    const html = renderReport(makeReport({ findings: [makeFinding({ status: 'fail', evidence: { traceIds: ids, traceUrls } })] }), 'html')
    expect(html).toContain(`<div class="traces"><b>Traces:</b> <a href="http://127.0.0.1:16686/trace/${ids[0]}?a=1&amp;b=&quot;2&quot;">${ids[0]}</a></div>`)
    expect(html).not.toMatch(/href="javascript:/i)
  })

  it('renders load results with charts, capacity, cost, SLO table and regressions', () => {
    const html = renderReport(fixtureReport('load'), 'html')
    const charts = html.match(/<svg class="chart"/g) ?? []
    expect(charts).toHaveLength(4)
    for (const title of ['Latency over time', 'Achieved rate over time', 'Latency vs offered load', 'Throughput vs offered load']) expect(html).toContain(`<text class="chart-title" x="72" y="18">${title}</text>`)
    for (const legend of ['p50', 'p95', 'p99', 'achieved req/s']) expect(html).toContain(`<text class="legend"`)
    expect(html).toContain('>SLO p95&lt;5000</text>')
    expect(html).toContain('>knee 45</text>')
    expect(html).toContain('max sustainable per replica')
    expect(html).toContain('OVER BUDGET')
    expect(html).toContain('<h3>SLO thresholds</h3>')
    expect(html).toContain('+18.4%')
    expect(html).toMatch(/<path d="M[\d.]+ [\d.]+ L/)
  })

  it('draws an empty-state chart instead of failing when a timeline has no usable points', () => {
    const report = fixtureReport('load')
    report.load!.timeline = [
      { t: 0, rps: 0, p50: 0, p95: 0, p99: 0, errors: 0 },
      { t: 1, rps: 0, p50: 0, p95: 0, p99: 0, errors: 0 },
    ]
    report.load!.steps = []
    expect(() => renderReport(report, 'html')).not.toThrow()
  })

  it('renders sections with a table of contents linking each job', () => {
    const html = renderReport(fixtureReport('demo'), 'html')
    expect(html).toContain('<nav class="toc card"')
    for (const [i, title] of ['Validate (deploy gate)', 'Diagnose (incident triage)', 'Load (capacity)'].entries()) {
      expect(html).toContain(`<a href="#job-${i + 1}">${title}</a>`)
      expect(html).toContain(`<section id="job-${i + 1}" class="job"><h2>${title}`)
    }
    expect(html.match(/<svg class="chart"/g)).toHaveLength(4)
  })
})

describe('SVG line chart', () => {
  const chart = (x: number) =>
    lineChart({ title: 'p95 vs offered', xLabel: 'rps', yLabel: 'ms', series: [{ name: 'p95', color: '#000', points: [[10, 5], [100, 9], [200, 40]] }], markers: [{ x, label: 'max sustainable 200 rps', color: '#c00' }] })
  const label = (svg: string) => {
    const tag = /<text class="ref-label"[^>]*>max sustainable/.exec(svg)![0]
    return [tag, /x="([\d.]+)"/.exec(tag)![1], /text-anchor="end"/.exec(tag)?.[0]] as const
  }
  const line = (svg: string) => Number(/<line x1="([\d.]+)"[^>]*stroke="#c00"/.exec(svg)![1])

  it('puts a marker label left of its line in the right half, so it never runs off the chart', () => {
    const right = chart(200)
    expect(label(right)[2]).toBe('text-anchor="end"')
    expect(Number(label(right)[1])).toBeLessThan(line(right))
    const left = chart(10)
    expect(label(left)[2]).toBeUndefined()
    expect(Number(label(left)[1])).toBeGreaterThan(line(left))
  })
})
