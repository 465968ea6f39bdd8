import { z } from 'zod'
import type { FaultContext, FaultResult } from '../context.js'

/** Params every fault accepts (toxiproxy-style targeting). */
export const commonParams = {
  /** Only calls for this model are affected; other models get healthy answers. */
  model: z.string().min(1).optional(),
  /** Chance (0..1) that a matching call is affected. */
  probability: z.number().min(0).max(1).optional(),
  /** Affect only the next N matching calls, then behave healthy (retry tests). */
  count: z.number().int().min(0).optional(),
}

export type CommonParams = { model?: string; probability?: number; count?: number }

export interface Fault {
  readonly name: string
  readonly params: Record<string, unknown>
  /** Whether this call is affected (model, count, probability); consumes one `count` when it is. */
  selects(ctx: FaultContext): boolean
  /** A result decides the call; undefined passes it on (e.g. `slow` only adds latency). */
  handle(ctx: FaultContext): FaultResult | undefined | Promise<FaultResult | undefined>
  /** How many `count` calls are left (undefined: unlimited). */
  remaining(): number | undefined
}

export function defineFault<P extends CommonParams>(
  name: string,
  params: P,
  handle: (ctx: FaultContext, params: P) => FaultResult | undefined | Promise<FaultResult | undefined>,
  defaultProbability = 1,
): Fault {
  let remaining = params.count
  const probability = params.probability ?? defaultProbability
  return {
    name,
    params: { ...params },
    selects(ctx) {
      if (params.model !== undefined && params.model !== ctx.model) return false
      if (remaining !== undefined && remaining <= 0) return false
      if (probability < 1 && ctx.random() >= probability) return false
      if (remaining !== undefined) remaining--
      return true
    },
    handle: (ctx) => handle(ctx, params),
    remaining: () => remaining,
  }
}
