/**
 * Token usage from any common shape, so cost is never read as $0 from a shape we did not know:
 *  - OpenAI Chat Completions: { prompt_tokens, completion_tokens }
 *  - OpenAI Responses and Anthropic Messages: { input_tokens, output_tokens }
 *  - Vercel AI SDK (5+): { inputTokens, outputTokens } (AI SDK 4: { promptTokens, completionTokens })
 * Returns undefined when the object carries none of them (unknown, not zero).
 */
import type { TokenUsage } from './types.js'

const SHAPES: ReadonlyArray<readonly [string, string]> = [
  ['prompt_tokens', 'completion_tokens'],
  ['input_tokens', 'output_tokens'],
  ['inputTokens', 'outputTokens'],
  ['promptTokens', 'completionTokens'],
]

export function readUsage(value: unknown, model?: unknown): TokenUsage | undefined {
  if (!value || typeof value !== 'object') return undefined
  const usage = value as Record<string, unknown>
  for (const [input, output] of SHAPES) {
    const i = tokenCount(usage[input])
    const o = tokenCount(usage[output])
    if (i === undefined && o === undefined) continue
    const result: TokenUsage = { inputTokens: i ?? 0, outputTokens: o ?? 0 }
    if (typeof model === 'string' && model) result.model = model
    if (typeof usage.cost_usd === 'number' && Number.isFinite(usage.cost_usd)) result.costUsd = usage.cost_usd
    return result
  }
  return undefined
}

/** AI SDK 6+ reports `{ total, … }` objects per token kind; older shapes a plain number. */
function tokenCount(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value
  if (value && typeof value === 'object' && typeof (value as { total?: unknown }).total === 'number') return (value as { total: number }).total
  return undefined
}

/** Adds two usages (several SSE parts may each carry a part of it). */
export function addUsage(a: TokenUsage | undefined, b: TokenUsage | undefined): TokenUsage | undefined {
  if (!a) return b
  if (!b) return a
  return { ...a, ...b, inputTokens: a.inputTokens + b.inputTokens, outputTokens: a.outputTokens + b.outputTokens }
}
