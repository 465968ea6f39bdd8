import { applyMaxTokens, renderReply } from '../render.js'
import { lognormalMs } from '../random.js'
import type { FaultContext, FaultResult } from '../context.js'
import { defineFault, type CommonParams, type Fault } from './define.js'

/** The reply a healthy provider gives (also the fallback after every fault passes). */
export function healthyReply(ctx: FaultContext): Promise<FaultResult> | FaultResult {
  const plan = applyMaxTokens(ctx, ctx.plan())
  return renderReply(ctx, plan, plan.finishReason === 'length' ? 'length' : 'ok')
}

export const healthy = (params: CommonParams = {}): Fault => defineFault('healthy', params, healthyReply)

export type SlowParams = CommonParams & { latencyMs?: number; p50Ms?: number; p95Ms?: number; ttftMs?: number; interTokenMs?: number }

/**
 * Adds latency and passes the call on, so it composes: slow + flaky = slow errors and slow
 * answers. Streams get ttft/inter-token pacing; JSON answers wait the total.
 */
export const slow = (params: SlowParams = {}): Fault =>
  defineFault('slow', params, (ctx, p) => {
    const hasDistribution = p.p50Ms !== undefined || p.p95Ms !== undefined
    const noneGiven = p.latencyMs === undefined && !hasDistribution && p.ttftMs === undefined && p.interTokenMs === undefined
    let totalMs = p.latencyMs
    if (hasDistribution) {
      const p50 = p.p50Ms ?? (p.p95Ms ?? 0) / 3
      totalMs = lognormalMs(ctx.random, p50, p.p95Ms ?? p50 * 3)
    }
    if (noneGiven) totalMs = 2000
    ctx.delay = { totalMs, ttftMs: p.ttftMs, interTokenMs: p.interTokenMs }
    ctx.slowed = true
    ctx.shapedBy.push('slow')
    return undefined
  })

/**
 * Never answers. The call is released only when the client aborts (or the mock closes), so
 * a hung call costs nothing once the client has given up.
 */
export const hang = (params: CommonParams = {}): Fault =>
  defineFault('hang', params, async (ctx) => {
    const released = AbortSignal.any([ctx.signal, ctx.lifetime])
    if (!released.aborted) await new Promise<void>((resolve) => released.addEventListener('abort', () => resolve(), { once: true }))
    return { response: Response.error(), outcome: 'hang' }
  })
