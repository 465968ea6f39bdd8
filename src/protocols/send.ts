/**
 * One chat over the wire, classified: the path validate and diagnose share (load drives the same
 * TargetProtocol through its own engine). A fast 4xx/5xx comes back at once as that status; only a
 * missing answer is a timeout. Each chat starts its own W3C trace (`traceparent`), so a finding can
 * name the agent's trace of the chat behind it (docs/CONTRACTS.md "Report").
 */
import { formatTraceHeader, newTraceContext, parseTraceHeader } from '../contracts/trace-context.js'
import { isEventStream } from './common.js'
import type { ChatOutcome, ChatTurn, FrameworkHint, TargetProtocol } from './types.js'

export interface ChatResult {
  outcome: ChatOutcome
  /** Epoch ms when the request was sent. */
  startedAt: number
  latencyMs: number
  /** First answer text, for a stream (ms after the send). */
  ttftMs?: number
  status?: number
  headers: Record<string, string>
  /** The body's first 64 KiB (evidence and leak scans; slice it before reporting). */
  body: string
  /** A framework the headers or the answer gave away. */
  framework?: FrameworkHint
  /**
   * The trace of this chat: the agent's own when it answered with a W3C `traceresponse`, else the
   * one agentctl started with its `traceparent` (an agent that continues trace context records its
   * spans under it).
   */
  traceId: string
}

export interface SendChatOptions {
  timeoutMs: number
  signal?: AbortSignal
  /** Send without the Authorization header (auth checks). */
  noAuth?: boolean
}

export async function sendChat(protocol: TargetProtocol, turn: ChatTurn, opts: SendChatOptions): Promise<ChatResult> {
  const wire = protocol.request(turn)
  const sent = newTraceContext()
  const headers: Record<string, string> = { ...wire.headers, traceparent: formatTraceHeader(sent) }
  if (opts.noAuth) delete headers.authorization
  const startedAt = Date.now()
  const t0 = performance.now()
  const timeout = AbortSignal.timeout(opts.timeoutMs)
  const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout
  const result: ChatResult = { outcome: { kind: 'timeout', afterMs: opts.timeoutMs }, startedAt, latencyMs: 0, headers: {}, body: '', traceId: sent.traceId }
  try {
    const res = await fetch(wire.url, { method: wire.method, headers, body: wire.body, signal })
    result.status = res.status
    result.headers = Object.fromEntries(res.headers.entries())
    result.traceId = parseTraceHeader(result.headers.traceresponse)?.traceId ?? sent.traceId
    const reader = res.ok && isEventStream(result.headers) ? protocol.streamReader?.() : undefined
    const parts: string[] = []
    if (res.body) {
      const decoder = new TextDecoder()
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        const text = decoder.decode(chunk, { stream: true })
        parts.push(text)
        if (reader && reader.push(text).length > 0) result.ttftMs ??= Math.round(performance.now() - t0)
      }
    }
    const body = parts.join('')
    result.body = body.slice(0, 64 * 1024)
    result.outcome = reader ? reader.end(res.status) : protocol.parse(res.status, result.headers, body)
  } catch (error) {
    if (opts.signal?.aborted) throw error
    const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string } }
    result.outcome = e.name === 'TimeoutError' || e.name === 'AbortError' ? { kind: 'timeout', afterMs: opts.timeoutMs } : { kind: 'network', code: e.cause?.code ?? e.cause?.message ?? e.message ?? String(error) }
  }
  result.latencyMs = Math.round(performance.now() - t0)
  result.framework = frameworkOf(result)
  return result
}

/** The framework the exchange gave away: the answer's own hint, then well-known headers. */
function frameworkOf(r: ChatResult): FrameworkHint | undefined {
  const fromOutcome = 'framework' in r.outcome ? r.outcome.framework : undefined
  return fromOutcome ?? frameworkFromHeaders(r.headers)
}

/** `x-vercel-ai-ui-message-stream` is set by the AI SDK's createUIMessageStreamResponse; x-powered-by by many servers. */
export function frameworkFromHeaders(headers: Record<string, string>): FrameworkHint | undefined {
  if (headers['x-vercel-ai-ui-message-stream']) return 'ai-sdk'
  const powered = (headers['x-powered-by'] ?? '').toLowerCase()
  if (powered.includes('mastra')) return 'mastra'
  if (powered.includes('langgraph') || powered.includes('langchain')) return 'langchain'
  return undefined
}
