import { readFileSync } from 'node:fs'
import type { AgentctlConfig } from './config/schema.js'
import { fixturePath } from './paths.js'

export interface ModelPrice {
  inputPer1k: number
  outputPer1k: number
}
export type PricingTable = Record<string, ModelPrice>

let shipped: PricingTable | undefined

/** The shipped table (fixtures/pricing.json), read once. */
export function shippedPricing(): PricingTable {
  shipped ??= (JSON.parse(readFileSync(fixturePath('pricing.json'), 'utf8')) as { models: PricingTable }).models
  return shipped
}

/** The shipped table with the config's `pricing:` entries laid over it. */
export function pricingFor(config?: Pick<AgentctlConfig, 'pricing'>): PricingTable {
  return { ...shippedPricing(), ...(config?.pricing ?? {}) }
}

/** Price of a model: exact name, else the longest known prefix (gpt-4o-2024-08-06 -> gpt-4o). */
export function priceOf(table: PricingTable, model: string): ModelPrice | undefined {
  if (table[model]) return table[model]
  const prefix = Object.keys(table).filter((name) => model.startsWith(name)).sort((a, b) => b.length - a.length)[0]
  return prefix ? table[prefix] : undefined
}

export function costUsd(price: ModelPrice | undefined, promptTokens: number, completionTokens: number): number {
  if (!price) return 0
  return (promptTokens / 1000) * price.inputPer1k + (completionTokens / 1000) * price.outputPer1k
}
