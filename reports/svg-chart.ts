/**
 * A small inline-SVG line chart for the HTML report: axes with "nice" ticks, axis labels, a legend,
 * optional horizontal thresholds (an SLO) and vertical markers (the knee). No JavaScript, so it
 * renders under the report's strict CSP and survives being saved, mailed or screenshotted.
 * Every piece of text goes through esc(); colours come from a fixed palette, never from data.
 */
import { esc } from './html-escape.js'

export interface Series {
  name: string
  color: string
  points: Array<[number, number]>
  dashed?: boolean
}

export interface ChartOptions {
  title: string
  xLabel: string
  yLabel: string
  series: Series[]
  xFormat?: (v: number) => string
  yFormat?: (v: number) => string
  /** Horizontal reference lines, e.g. the p95 SLO. */
  thresholds?: Array<{ y: number; label: string; color: string }>
  /** Vertical reference lines, e.g. the knee and the max sustainable rate. */
  markers?: Array<{ x: number; label: string; color: string }>
  width?: number
  height?: number
}

const MARGIN = { top: 44, right: 24, bottom: 52, left: 72 }

/** Round tick steps (1, 2, 5 × 10^n) covering [min, max] in about `count` steps. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [0, 1]
  if (max === min) max = min + (min === 0 ? 1 : Math.abs(min) * 0.5)
  const raw = (max - min) / count
  const magnitude = 10 ** Math.floor(Math.log10(raw))
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? 10 * magnitude
  const start = Math.floor(min / step) * step
  const ticks: number[] = []
  for (let v = start; v <= max + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)))
  if (ticks[ticks.length - 1]! < max) ticks.push(Number((ticks[ticks.length - 1]! + step).toPrecision(12)))
  return ticks
}

const defaultFormat = (v: number) => (Math.abs(v) >= 1000 ? `${Number((v / 1000).toPrecision(3))}k` : String(Number(v.toPrecision(4))))

export function lineChart(o: ChartOptions): string {
  const width = o.width ?? 720
  const height = o.height ?? 320
  const plotW = width - MARGIN.left - MARGIN.right
  const plotH = height - MARGIN.top - MARGIN.bottom
  const xf = o.xFormat ?? defaultFormat
  const yf = o.yFormat ?? defaultFormat
  const points = o.series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y))
  const label = `${o.title}: ${o.yLabel} against ${o.xLabel}`
  if (points.length === 0) {
    return `<svg class="chart" viewBox="0 0 ${width} 80" role="img" aria-label="${esc(label)}"><text x="${width / 2}" y="44" text-anchor="middle" class="chart-empty">${esc(o.title)}: no data</text></svg>`
  }
  const xs = [...points.map((p) => p[0]), ...(o.markers ?? []).map((m) => m.x)]
  const ys = [0, ...points.map((p) => p[1]), ...(o.thresholds ?? []).map((t) => t.y)]
  const xTicks = niceTicks(Math.min(...xs), Math.max(...xs), 6)
  // 8% headroom so a line or threshold at the maximum does not sit on the frame.
  const yTicks = niceTicks(Math.min(...ys), Math.max(...ys) * 1.08, 5)
  const [x0, x1] = [xTicks[0]!, xTicks[xTicks.length - 1]!]
  const [y0, y1] = [yTicks[0]!, yTicks[yTicks.length - 1]!]
  const sx = (x: number) => MARGIN.left + ((x - x0) / (x1 - x0 || 1)) * plotW
  const sy = (y: number) => MARGIN.top + plotH - ((y - y0) / (y1 - y0 || 1)) * plotH
  const n = (v: number) => v.toFixed(1)

  const parts: string[] = [`<svg class="chart" viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(label)}">`, `<title>${esc(label)}</title>`]
  parts.push(`<text class="chart-title" x="${MARGIN.left}" y="18">${esc(o.title)}</text>`)
  // Grid and tick labels.
  for (const t of yTicks) {
    parts.push(`<line class="grid" x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${n(sy(t))}" y2="${n(sy(t))}"/>`)
    parts.push(`<text class="tick" x="${MARGIN.left - 8}" y="${n(sy(t) + 4)}" text-anchor="end">${esc(yf(t))}</text>`)
  }
  for (const t of xTicks) {
    parts.push(`<line class="grid grid-x" x1="${n(sx(t))}" x2="${n(sx(t))}" y1="${MARGIN.top}" y2="${MARGIN.top + plotH}"/>`)
    parts.push(`<text class="tick" x="${n(sx(t))}" y="${MARGIN.top + plotH + 18}" text-anchor="middle">${esc(xf(t))}</text>`)
  }
  parts.push(`<line class="axis" x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${MARGIN.top + plotH}" y2="${MARGIN.top + plotH}"/>`)
  parts.push(`<line class="axis" x1="${MARGIN.left}" x2="${MARGIN.left}" y1="${MARGIN.top}" y2="${MARGIN.top + plotH}"/>`)
  parts.push(`<text class="axis-label" x="${MARGIN.left + plotW / 2}" y="${height - 10}" text-anchor="middle">${esc(o.xLabel)}</text>`)
  parts.push(`<text class="axis-label" transform="translate(16 ${MARGIN.top + plotH / 2}) rotate(-90)" text-anchor="middle">${esc(o.yLabel)}</text>`)
  // Reference lines under the data so the series stay readable.
  for (const t of o.thresholds ?? []) {
    parts.push(`<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${n(sy(t.y))}" y2="${n(sy(t.y))}" stroke="${t.color}" stroke-width="1.5" stroke-dasharray="6 4"/>`)
    // Label above the line, or below it when the line runs along the top of the plot.
    const labelY = sy(t.y) - MARGIN.top < 16 ? sy(t.y) + 14 : sy(t.y) - 5
    // Left end: latency curves are flat there, so the label rarely sits on data.
    parts.push(`<text class="ref-label" x="${MARGIN.left + 6}" y="${n(labelY)}" style="fill:${t.color}">${esc(t.label)}</text>`)
  }
  for (const [i, m] of (o.markers ?? []).entries()) {
    parts.push(`<line x1="${n(sx(m.x))}" x2="${n(sx(m.x))}" y1="${MARGIN.top}" y2="${MARGIN.top + plotH}" stroke="${m.color}" stroke-width="1.5" stroke-dasharray="3 3"/>`)
    // Right of the line, or left of it in the plot's right half: a label never runs off the chart.
    const leftOfLine = sx(m.x) > MARGIN.left + plotW / 2
    const anchor = leftOfLine ? ` text-anchor="end"` : ''
    parts.push(`<text class="ref-label" x="${n(sx(m.x) + (leftOfLine ? -4 : 4))}" y="${MARGIN.top + 12 + i * 14}"${anchor} style="fill:${m.color}">${esc(m.label)}</text>`)
  }
  for (const s of o.series) {
    const pts = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y))
    if (pts.length === 0) continue
    const d = pts.map(([x, y], i) => `${i ? 'L' : 'M'}${n(sx(x))} ${n(sy(y))}`).join(' ')
    parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2" stroke-linejoin="round"${s.dashed ? ' stroke-dasharray="5 4"' : ''}/>`)
    // Dots only when sparse; on dense timelines they would smear the line.
    if (pts.length <= 30) for (const [x, y] of pts) parts.push(`<circle cx="${n(sx(x))}" cy="${n(sy(y))}" r="3" fill="${s.color}"><title>${esc(`${s.name}: ${yf(y)} at ${xf(x)}`)}</title></circle>`)
  }
  // Legend, top right, one entry per series.
  let lx = width - MARGIN.right
  for (const s of [...o.series].reverse()) {
    const w = 36 + s.name.length * 7.5
    lx -= w
    parts.push(`<line x1="${lx}" x2="${lx + 18}" y1="30" y2="30" stroke="${s.color}" stroke-width="3"${s.dashed ? ' stroke-dasharray="5 4"' : ''}/>`)
    parts.push(`<text class="legend" x="${lx + 22}" y="34">${esc(s.name)}</text>`)
  }
  parts.push('</svg>')
  return parts.join('\n')
}
