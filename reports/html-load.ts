/**
 * The load part of the HTML report: headline numbers, streaming timings, capacity and cost, charts
 * (latency and rate over time, latency and throughput against offered load, TTFT/ITL by
 * percentile), the SLO thresholds and regressions.
 */
import type { LoadResult } from '../src/report.js'
import { errorRate, fmtChange, fmtMs, fmtNum, fmtStepLatency, fmtPct, fmtUsd, stepVerdict } from './format.js'
import { esc } from './html-escape.js'
import { lineChart } from './svg-chart.js'

const COLOR = { p50: '#2563eb', p95: '#d97706', p99: '#dc2626', rps: '#059669', offered: '#94a3b8', errors: '#b91c1c', slo: '#7c3aed', knee: '#d97706', max: '#059669' }

const stat = (value: string, label: string) => `<div class="stat"><b>${esc(value)}</b><span>${esc(label)}</span></div>`
// Axis ticks are round numbers: print them without the fixed decimals fmtMs uses for measurements.
const msAxis = (v: number) => (v === 0 ? '0' : v >= 1000 ? `${Number((v / 1000).toPrecision(3))}s` : `${Number(v.toPrecision(3))}ms`)
const rpsAxis = (v: number) => fmtNum(v, 1)

/** Latency SLO lines for the charts, from thresholds such as p95<5000 (milliseconds). */
function latencyThresholds(load: LoadResult): Array<{ y: number; label: string; color: string }> {
  return (load.slo ?? [])
    .filter((s) => /p(50|90|95|99)|latency|duration/i.test(s.metric) && s.op.startsWith('<') && s.threshold > 0 && !/rate|^(ttft|itl|ttfb)_/i.test(s.metric))
    .map((s) => ({ y: s.threshold, label: `SLO ${s.expression}`, color: COLOR.slo }))
}

export function renderLoadHtml(load: LoadResult): string {
  const out: string[] = ['<h2>Load</h2>']
  if (load.aborted) out.push(`<div class="card remediation"><b>Run aborted:</b> ${esc(load.aborted)}</div>`)
  const stats = [
    stat(`${fmtNum(load.achievedRps)} req/s`, `achieved, successful (offered ${fmtNum(load.offeredRps)})`),
    stat(fmtMs(load.latencyMs.p50), 'p50 latency'),
    stat(fmtMs(load.latencyMs.p95), 'p95 latency'),
    stat(fmtMs(load.latencyMs.p99), 'p99 latency'),
    stat(fmtNum(load.requests), 'requests'),
    stat(fmtPct(errorRate(load), 2), `error rate (${fmtNum(load.errors)} errors)`),
  ]
  if (load.dropped) stats.push(stat(fmtNum(load.dropped), 'dropped by agentctl (no free connection)'))
  out.push(`<div class="card"><div class="stats">${stats.join('')}</div></div>`)
  out.push(streamCard(load))
  out.push(capacityCard(load))
  out.push(charts(load))
  if (load.slo?.length) {
    out.push('<h3>SLO thresholds</h3><table><thead><tr><th>Threshold</th><th>Metric</th><th class="num">Limit</th><th class="num">Observed</th><th>Result</th></tr></thead><tbody>')
    for (const s of load.slo) {
      out.push(
        `<tr><td class="mono">${esc(s.expression)}</td><td>${esc(s.metric)}</td><td class="num">${esc(`${s.op} ${fmtNum(s.threshold, 3)}`)}</td><td class="num">${esc(s.observed === null ? '– (no data)' : fmtNum(s.observed, 3))}</td><td><span class="badge ${s.passed ? 's-pass' : 's-fail'}">${s.passed ? 'PASS' : 'FAIL'}</span></td></tr>`,
      )
    }
    out.push('</tbody></table>')
  }
  if (load.steps.length) {
    out.push('<h3>Steps</h3><table><thead><tr><th class="num">Offered req/s</th><th class="num">Achieved req/s</th><th class="num">Requests</th><th class="num">Errors</th><th class="num">p50</th><th class="num">p95</th><th class="num">p99</th><th>Step</th></tr></thead><tbody>')
    for (const s of load.steps) {
      const v = stepVerdict(s)
      const slo = !v ? '' : `<span class="badge ${v.held ? 's-pass' : 's-fail'}">${v.label}</span>${v.reason ? ` ${esc(v.reason)}` : ''}`
      out.push(
        `<tr><td class="num">${esc(fmtNum(s.offeredRps))}</td><td class="num">${esc(fmtNum(s.achievedRps))}</td><td class="num">${esc(fmtNum(s.requests))}</td><td class="num">${esc(fmtNum(s.errors))}</td><td class="num">${esc(fmtStepLatency(s, 'p50'))}</td><td class="num">${esc(fmtStepLatency(s, 'p95'))}</td><td class="num">${esc(fmtStepLatency(s, 'p99'))}</td><td>${slo}</td></tr>`,
      )
    }
    out.push('</tbody></table>')
  }
  if (load.baseline) {
    out.push(`<h3>Against baseline <span class="mono">${esc(load.baseline.file)}</span></h3>`)
    if (!load.baseline.regressions.length) out.push('<p><span class="badge s-pass">NO REGRESSIONS</span></p>')
    else {
      out.push('<table><thead><tr><th>Metric</th><th class="num">Baseline</th><th class="num">Current</th><th class="num">Change</th></tr></thead><tbody>')
      for (const r of load.baseline.regressions) {
        out.push(`<tr><td>${esc(r.metric)}</td><td class="num">${esc(fmtNum(r.baseline, 2))}</td><td class="num">${esc(fmtNum(r.current, 2))}</td><td class="num"><span class="badge s-fail">${esc(fmtChange(r.changePct))}</span></td></tr>`)
      }
      out.push('</tbody></table>')
    }
  }
  return out.join('\n')
}

function streamCard(load: LoadResult): string {
  const s = load.stream
  if (!s) return ''
  const items = [
    stat(fmtNum(s.requests), 'streamed answers'),
    stat(fmtMs(s.ttftMs.p50), 'TTFT p50'),
    stat(fmtMs(s.ttftMs.p95), 'TTFT p95'),
    stat(fmtMs(s.itlMs.p50), 'ITL p50'),
    stat(fmtMs(s.itlMs.p95), 'ITL p95'),
    stat(fmtMs(s.ttfbMs.p95), 'TTFB p95'),
    stat(`${fmtNum(s.tokensPerSecond.p50, 1)}/s`, 'tokens per second per answer (p50)'),
  ]
  return `<h3>Streaming</h3><div class="card"><div class="stats">${items.join('')}</div></div>`
}

function capacityCard(load: LoadResult): string {
  const items: string[] = []
  const c = load.capacity
  if (c) {
    const atLeast = c.outcome === 'at-least' ? 'at least ' : ''
    items.push(stat(`${atLeast}${fmtNum(c.maxSustainableRps)} req/s`, `max sustainable per replica (inside the SLO)${c.brokeAtRps !== undefined ? `; broke at ${fmtNum(c.brokeAtRps)}` : ''}`))
    items.push(c.kneeRps !== undefined ? stat(`${fmtNum(c.kneeRps)} req/s`, 'knee (latency rises past the low-load noise)') : stat('none', 'no knee in range'))
    if (c.replicasNeeded !== undefined) items.push(stat(String(c.replicasNeeded), c.targetRps !== undefined ? `replicas for ${fmtNum(c.targetRps)} req/s` : 'replicas needed'))
    if (c.replicasAtMost !== undefined) items.push(stat(`at most ${c.replicasAtMost}`, `replicas for ${fmtNum(c.targetRps ?? 0)} req/s (each carries at least ${fmtNum(c.maxSustainableRps)})`))
    if (c.headroom !== undefined) items.push(stat(fmtPct(c.headroom, 0), 'headroom'))
  }
  const k = load.cost
  if (k) {
    if (k.usdPerRequest !== undefined) items.push(stat(fmtUsd(k.usdPerRequest), 'cost per request'))
    if (k.usdPer1kRequests !== undefined) items.push(stat(fmtUsd(k.usdPer1kRequests), 'per 1k requests'))
    if (k.usdPerDayAtTarget !== undefined) items.push(stat(fmtUsd(k.usdPerDayAtTarget), 'per day at target rate'))
    if (k.dailyBudgetUsd !== undefined) items.push(stat(fmtUsd(k.dailyBudgetUsd), 'daily budget'))
    if (k.tokensPerRequest !== undefined) items.push(stat(fmtNum(k.tokensPerRequest, 0), 'tokens per request'))
  }
  if (!items.length) return ''
  const over = k?.usdPerDayAtTarget !== undefined && k.dailyBudgetUsd !== undefined && k.usdPerDayAtTarget > k.dailyBudgetUsd
  const warning = over ? `<p><span class="badge s-fail">OVER BUDGET</span> ${esc(`${fmtUsd(k!.usdPerDayAtTarget!)} per day at the target rate exceeds the ${fmtUsd(k!.dailyBudgetUsd!)} daily budget.`)}</p>` : ''
  return `<h3>Capacity and cost</h3><div class="card"><div class="stats">${items.join('')}</div>${warning}</div>`
}

function charts(load: LoadResult): string {
  const out: string[] = []
  const thresholds = latencyThresholds(load)
  const timeline = load.timeline ?? []
  if (timeline.length > 1) {
    out.push(
      lineChart({
        title: 'Latency over time',
        xLabel: 'time since start (s)',
        yLabel: 'latency',
        yFormat: msAxis,
        thresholds,
        series: (['p50', 'p95', 'p99'] as const).map((p) => ({ name: p, color: COLOR[p], points: timeline.filter((s) => s.rps > 0).map((s) => [s.t, s[p]] as [number, number]) })), // a second with no completions has no latency, not 0 ms
      }),
      lineChart({
        title: 'Achieved rate over time',
        xLabel: 'time since start (s)',
        yLabel: 'requests per second',
        yFormat: rpsAxis,
        thresholds: load.offeredRps > 0 ? [{ y: load.offeredRps, label: `offered ${fmtNum(load.offeredRps)} req/s`, color: COLOR.offered }] : [],
        series: [
          { name: 'achieved req/s', color: COLOR.rps, points: timeline.map((s) => [s.t, s.rps]) },
          { name: 'errors/s', color: COLOR.errors, points: timeline.map((s) => [s.t, s.errors]) },
        ],
      }),
    )
  }
  if (load.steps.length > 1) {
    const steps = [...load.steps].sort((a, b) => a.offeredRps - b.offeredRps)
    const c = load.capacity
    const markers = c
      ? [
          ...(c.kneeRps !== undefined ? [{ x: c.kneeRps, label: `knee ${fmtNum(c.kneeRps)}`, color: COLOR.knee }] : []),
          { x: c.maxSustainableRps, label: `max sustainable ${fmtNum(c.maxSustainableRps)}`, color: COLOR.max },
        ]
      : []
    out.push(
      lineChart({
        title: 'Latency vs offered load',
        xLabel: 'offered load (req/s)',
        yLabel: 'latency',
        yFormat: msAxis,
        thresholds,
        markers,
        series: (['p50', 'p95', 'p99'] as const).map((p) => ({ name: p, color: COLOR[p], points: steps.map((s) => [s.offeredRps, s.latencyMs[p]] as [number, number]) })),
      }),
      lineChart({
        title: 'Throughput vs offered load',
        xLabel: 'offered load (req/s)',
        yLabel: 'achieved (req/s)',
        yFormat: rpsAxis,
        markers,
        series: [
          { name: 'achieved', color: COLOR.rps, points: steps.map((s) => [s.offeredRps, s.achievedRps]) },
          { name: 'ideal', color: COLOR.offered, dashed: true, points: steps.map((s) => [s.offeredRps, s.offeredRps]) },
        ],
      }),
    )
  }
  if (load.stream) {
    const s = load.stream
    const at = (l: { p50: number; p90: number; p95: number; p99: number }) => ([50, 90, 95, 99] as const).map((p) => [p, l[`p${p}`]] as [number, number])
    out.push(
      lineChart({
        title: 'Streaming: time to first token and inter-token latency by percentile',
        xLabel: 'percentile',
        yLabel: 'latency',
        yFormat: msAxis,
        thresholds: (load.slo ?? []).filter((t) => /^(ttft|itl|ttfb)_p/.test(t.metric) && t.op.startsWith('<')).map((t) => ({ y: t.threshold, label: `SLO ${t.expression}`, color: COLOR.slo })),
        series: [
          { name: 'TTFT', color: COLOR.p95, points: at(s.ttftMs) },
          { name: 'ITL', color: COLOR.p50, points: at(s.itlMs) },
          { name: 'TTFB', color: COLOR.offered, dashed: true, points: at(s.ttfbMs) },
        ],
      }),
    )
  }
  return out.length ? `<h3>Charts</h3><div class="charts">${out.join('\n')}</div>` : ''
}
