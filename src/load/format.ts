import { formatDuration } from '../duration.js'
import type { LatencySummary } from '../report.js'
import type { LoadPlan } from './plan.js'

const ms = (n: number) => (n >= 1000 ? `${(n / 1000).toFixed(2)}s` : `${Math.round(n)}ms`)

/** The plan, printed before any traffic so the operator can Ctrl-C a mistake for free. */
export function describePlan(plan: LoadPlan, target: string, workload: string, mock?: string): string {
  const lines = [`agentctl load → ${plan.method} ${target}${plan.path}`]
  if (plan.mode === 'capacity') {
    const c = plan.capacity!
    if (c.search === 'linear') {
      lines.push(
        `  capacity search (linear ramp): open model, ${c.startRps} rps + ${c.stepRps} rps per step up to ${c.maxRps} rps, ${formatDuration(c.stepDurationMs)} per step (+${formatDuration(plan.warmupMs)} warm-up each)`,
        `  stops when the SLO breaks or achieved < 90% of offered; at most ${formatDuration(c.budgetMs)} in all`,
      )
    } else {
      lines.push(
        `  capacity search (adaptive): ${c.startRps !== undefined ? `from ${c.startRps} rps` : 'a probe and closed-model bursts (the throughput ceiling), then from half that'}, growing (at most ${c.maxRps} rps) until a step breaks, bisection to ${Math.round(c.resolution * 100)}%, a confirmation step`,
        `  each step: warm-up >= ${formatDuration(plan.warmupMs)} and window >= ${formatDuration(c.stepDurationMs)}, both grown with the measured latency; at most ${formatDuration(c.budgetMs)} in all`,
      )
    }
    if (plan.targetRps) lines.push(`  replicas for ${plan.targetRps} rps with ${Math.round(plan.headroom * 100)}% headroom`)
  } else if (plan.mode === 'open') {
    lines.push(`  open model: ${plan.rate} rps offered (up to ${plan.connections} connections), ${formatDuration(plan.durationMs)} after a ${formatDuration(plan.warmupMs)} warm-up`)
  } else {
    lines.push(`  closed model: ${plan.connections} connections, ${formatDuration(plan.durationMs)} after a ${formatDuration(plan.warmupMs)} warm-up`)
  }
  lines.push(`  SLO: ${plan.slos.map((s) => s.expression).join(', ')}${plan.abortOnFail && plan.mode !== 'capacity' ? ' (abort on fail)' : ''}`)
  lines.push(`  workload: ${workload}; request timeout ${formatDuration(plan.timeoutMs)}${plan.stream ? '; streamed answers timed (TTFT, ITL, tokens/s)' : ''}`)
  if (mock) lines.push(`  ${mock}`)
  return lines.join('\n')
}

export function progressText(prefix: string, s: { elapsedS: number; rps: number; p95: number; errors: number; totalErrors: number; requests: number }): string {
  return `${prefix}${s.elapsedS}s · ${s.rps.toFixed(1)} rps · p95 ${ms(s.p95)} · ${s.requests} requests · ${s.totalErrors} errors`
}

export function stepText(s: { offeredRps: number; achievedRps: number; latencyMs: LatencySummary; errors: number; dropped?: number; breach?: string }): string {
  const verdict = s.breach ? `✗ ${s.breach}` : '✓'
  return `  step ${s.offeredRps} rps → achieved ${s.achievedRps} rps · p50 ${ms(s.latencyMs.p50)} p95 ${ms(s.latencyMs.p95)} p99 ${ms(s.latencyMs.p99)} · ${s.errors} errors${s.dropped ? ` · ${s.dropped} dropped` : ''} ${verdict}`
}
