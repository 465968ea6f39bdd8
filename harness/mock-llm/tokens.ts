import { countTokens } from 'gpt-tokenizer'
import { LRUCache } from 'lru-cache'
import type { ChatRequest, ChatMessage } from './types.js'

/**
 * Real token counts (o200k_base, the gpt-4o family's encoding) so `usage` looks like OpenAI's.
 * Load tests send the same prompts over and over: counting is cached per distinct text, which
 * keeps BPE off the hot path.
 */
const cache = new LRUCache<string, number>({ max: 20_000 })

/** Beyond this many characters a text's count is estimated from samples (see estimateTokens). */
const EXACT_LIMIT = 64_000
const SAMPLES = 16
const SAMPLE_CHARS = 1_000

export function tokensOf(text: string): number {
  if (text.length === 0) return 0
  const hit = cache.get(text)
  if (hit !== undefined) return hit
  const counted = text.length > EXACT_LIMIT ? estimateTokens(text) : countTokens(text)
  cache.set(text, counted)
  return counted
}

/**
 * BPE is superlinear on long runs without whitespace (a 2 MiB prompt of one repeated character
 * blocked the mock's event loop for minutes), and the mock must never be the slow part of a test.
 * Huge prompts are counted on evenly spaced samples and scaled by length: close for real text, and
 * bounded CPU for adversarial input, which is exactly what oversized-input checks send.
 */
function estimateTokens(text: string): number {
  const stride = Math.floor((text.length - SAMPLE_CHARS) / (SAMPLES - 1))
  let sampledTokens = 0
  for (let i = 0; i < SAMPLES; i++) sampledTokens += countTokens(text.slice(i * stride, i * stride + SAMPLE_CHARS))
  return Math.ceil((sampledTokens / (SAMPLES * SAMPLE_CHARS)) * text.length)
}

export function messageText(message: ChatMessage): string {
  const { content } = message
  if (typeof content === 'string') return content
  if (Array.isArray(content)) return content.map((part) => part.text ?? '').join('')
  return ''
}

// OpenAI's accounting: ~3 tokens of framing per message, 3 to prime the reply.
const PER_MESSAGE = 3
const REPLY_PRIMING = 3

export function promptTokens(request: ChatRequest): number {
  let total = REPLY_PRIMING
  for (const message of request.messages) {
    total += PER_MESSAGE + tokensOf(messageText(message))
    if (message.name) total += 1
    if (message.tool_calls) for (const call of message.tool_calls) total += tokensOf(call.function.name) + tokensOf(call.function.arguments) + 3
  }
  // Tool definitions are billed as prompt tokens too; their JSON is a close proxy.
  if (request.tools?.length) total += tokensOf(JSON.stringify(request.tools))
  return total
}

/** Splits text into stream deltas of about one word each, the granularity clients see. */
const chunkCache = new LRUCache<string, string[]>({ max: 2_000 })
export function streamPieces(text: string): string[] {
  const hit = chunkCache.get(text)
  if (hit) return hit
  const pieces = text.match(/\s*\S+/g) ?? [text]
  chunkCache.set(text, pieces)
  return pieces
}
