/**
 * Pieces every adapter shares: the attribution marker in the message text, the classification
 * of a non-2xx answer, and an SSE reader built on eventsource-parser.
 */
import { createParser } from 'eventsource-parser'
import type { ChatOutcome, ChatTurn, FrameworkHint, StreamReader, TokenUsage } from './types.js'

/** docs/CONTRACTS.md contract #2: the id the mock extracts from the user-visible text. */
export const MARKER_ID = /^[a-z0-9-]{4,40}$/

/** The user message text with the attribution marker (if any) appended. */
export function messageText(turn: ChatTurn): string {
  if (turn.marker === undefined) return turn.message
  if (!MARKER_ID.test(turn.marker)) throw new Error(`attribution marker '${turn.marker}' must be 4-40 characters of [a-z0-9-]`)
  return `${turn.message} [agentctl:${turn.marker}]`
}

export function isEventStream(headers: Record<string, string>): boolean {
  return /text\/event-stream/i.test(headers['content-type'] ?? '')
}

export function parseJson(body: string): unknown {
  try {
    return JSON.parse(body)
  } catch {
    return undefined
  }
}

/** A non-2xx status, with the most telling line of its body as detail. */
export function httpError(status: number, body: string): ChatOutcome {
  return { kind: 'http-error', status, ...(errorDetail(body) ? { detail: errorDetail(body) } : {}) }
}

/** `error.message`, `error` (string), `message`, `detail`, or the body's start; bounded. */
export function errorDetail(body: string): string | undefined {
  const json = parseJson(body) as Record<string, any> | undefined
  const candidates = json && typeof json === 'object'
    ? [json.error?.message, typeof json.error === 'string' ? json.error : undefined, json.message, json.detail, json.title]
    : []
  const found = candidates.find((c) => typeof c === 'string' && c.trim())
  const text = (found ?? body).replace(/\s+/g, ' ').trim()
  return text ? text.slice(0, 200) : undefined
}

/** What one SSE event contributed to the answer. */
export interface StreamEventEffect {
  delta?: string
  error?: string
  usage?: TokenUsage
  session?: string
  framework?: FrameworkHint
  /** The stream announced its end (e.g. `data: [DONE]`). */
  done?: boolean
}

/**
 * An SSE reader: each event's data goes through `onEvent`; the answer is the concatenated deltas.
 * An error event wins over any text (a stream that failed half-way is a failed answer).
 */
export function sseReader(onEvent: (data: string, event: string | undefined) => StreamEventEffect | undefined): StreamReader {
  let text = ''
  let error: string | undefined
  let usage: TokenUsage | undefined
  let session: string | undefined
  let framework: FrameworkHint | undefined
  let deltas: string[] = []
  const parser = createParser({
    onEvent(message) {
      const effect = onEvent(message.data, message.event)
      if (!effect) return
      if (effect.delta) {
        text += effect.delta
        deltas.push(effect.delta)
      }
      if (effect.error !== undefined) error ??= effect.error || 'the stream reported an error without a message'
      if (effect.usage) usage = effect.usage
      if (effect.session) session = effect.session
      if (effect.framework) framework = effect.framework
    },
  })
  return {
    push(chunk) {
      deltas = []
      parser.feed(chunk)
      return deltas
    },
    end(status) {
      parser.feed('\n\n') // a last event without its blank line still counts
      return streamOutcome(status, { text, error, usage, session, framework })
    },
  }
}

function streamOutcome(status: number, s: { text: string; error?: string; usage?: TokenUsage; session?: string; framework?: FrameworkHint }): ChatOutcome {
  const extra = { ...(s.session ? { session: s.session } : {}), ...(s.framework ? { framework: s.framework } : {}) }
  if (s.error !== undefined) return { kind: 'in-band-error', status, detail: s.error.slice(0, 300), ...extra }
  if (!s.text.trim()) return { kind: 'empty', status, ...extra }
  return { kind: 'answer', status, text: s.text, ...(s.usage ? { usage: s.usage } : {}), ...extra }
}

/** Runs a whole buffered SSE body through a reader. */
export function readWholeStream(reader: StreamReader, status: number, body: string): ChatOutcome {
  reader.push(body)
  return reader.end(status)
}

/** The classified outcome of a text found (or not) in a 2xx JSON answer. */
export function textOutcome(status: number, text: unknown, extra: { session?: string; usage?: TokenUsage; framework?: FrameworkHint } = {}): ChatOutcome {
  const clean = Object.fromEntries(Object.entries(extra).filter(([, v]) => v !== undefined))
  if (typeof text !== 'string' || !text.trim()) {
    return { kind: 'empty', status, ...clean, ...(typeof text === 'string' || text === undefined ? {} : { detail: `the answer field held ${JSON.stringify(text)?.slice(0, 60)}` }) } as ChatOutcome
  }
  return { kind: 'answer', status, text, ...clean } as ChatOutcome
}

/** The headers every chat request carries: JSON in, the target's bearer token, the configured extras. */
export function baseHeaders(opts: { apiKey?: string; headers?: Record<string, string> }, accept = 'application/json'): Record<string, string> {
  return {
    'content-type': 'application/json',
    accept,
    ...(opts.apiKey ? { authorization: `Bearer ${opts.apiKey}` } : {}),
    ...opts.headers,
  }
}
