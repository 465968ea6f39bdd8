/**
 * Keeps the prompt inside CONTEXT_TOKEN_BUDGET, counted with a real tokenizer (gpt-tokenizer,
 * o200k_base: the GPT-4o family's encoding, a close estimate for other models).
 *
 * Rules: the system prompt and the current turn are always kept; older history is dropped oldest
 * first, and an assistant message that called tools is dropped together with its tool results
 * (the API rejects a tool message whose call is missing). Token counts are computed once per
 * message and stored with it, so a long history is never re-tokenized on the hot path.
 */
import { countTokens as encodeCount } from 'gpt-tokenizer'
import type { ChatMessage } from './llm/types.js'

/** A message with its token count cached alongside (persisted in PostgreSQL and Redis). */
export interface CountedMessage extends ChatMessage {
  tokens: number
}

/** Per-message framing overhead of the chat format (role markers, separators). */
const MESSAGE_OVERHEAD = 4
// User text may contain special-token strings ("<|endoftext|>"): count them as plain text.
const PLAIN = { disallowedSpecial: new Set<string>() }

export function countText(text: string): number {
  return encodeCount(text, PLAIN)
}

export function countMessage(message: ChatMessage): number {
  let tokens = MESSAGE_OVERHEAD + (message.content ? countText(message.content) : 0)
  for (const call of message.tool_calls ?? []) tokens += countText(call.function.name) + countText(call.function.arguments) + 3
  return tokens
}

export function withCount(message: ChatMessage): CountedMessage {
  return { ...message, tokens: countMessage(message) }
}

/** Groups history into units that are kept or dropped together: [assistant+tool_calls, ...tools]. */
function units(history: CountedMessage[]): CountedMessage[][] {
  const out: CountedMessage[][] = []
  for (const message of history) {
    const last = out.at(-1)
    if (message.role === 'tool' && last && (last[0].tool_calls?.length ?? 0) > 0) last.push(message)
    else if (message.role === 'tool') continue // an orphan tool result (its call was trimmed earlier): never send it
    else out.push([message])
  }
  return out
}

const sum = (messages: CountedMessage[]) => messages.reduce((total, m) => total + m.tokens, 0)

/**
 * The messages to send: system + as much recent history as fits + the current turn.
 * `reserved` covers what the request adds outside the messages (tool definitions).
 */
export function fitContext(
  system: CountedMessage,
  history: CountedMessage[],
  current: CountedMessage[],
  budget: number,
  reserved = 0,
): { messages: ChatMessage[]; tokens: number; dropped: number } {
  let remaining = budget - reserved - system.tokens - sum(current)
  const kept: CountedMessage[][] = []
  const all = units(history)
  for (let i = all.length - 1; i >= 0; i--) {
    const size = sum(all[i])
    if (size > remaining) break // keep history contiguous: never skip a turn and keep an older one
    kept.unshift(all[i])
    remaining -= size
  }
  const chosen = [system, ...kept.flat(), ...current]
  return { messages: chosen.map(strip), tokens: sum(chosen), dropped: history.length - kept.flat().length }
}

/** The wire form: the cached count stays on our side. */
function strip({ tokens: _tokens, ...message }: CountedMessage): ChatMessage {
  return message
}
