/**
 * The one "send a chat, get an answer or an error" abstraction (issue 14). validate, load and
 * diagnose all talk to a target through a TargetProtocol; nothing else builds chat requests or
 * reads chat answers. See docs/CONTRACTS.md "Target protocols".
 */

export type ProtocolId = 'agentctl' | 'openai-chat' | 'a2a' | 'ai-sdk' | 'http'

/** Tokens as the agent reported them, normalised from any common usage shape. */
export interface TokenUsage {
  inputTokens: number
  outputTokens: number
}

/** One chat turn to send. `marker` (if set) must reach the LLM inside the user message text. */
export interface ChatTurn {
  message: string
  /** The session/context id from an earlier answer of the same conversation, if any. */
  session?: string
  /** Ask a target that can stream for a stream. */
  stream?: boolean
}

/** An HTTP request ready to send (path is relative to the target's origin, or absolute URL). */
export interface WireRequest {
  method: 'POST' | 'GET'
  url: string
  headers: Record<string, string>
  body?: string
}

/**
 * What one chat exchange produced, classified from content, never from the status alone.
 *  - answer: non-empty text;
 *  - http-error: a non-2xx status (reported as that status at once);
 *  - in-band-error: an error inside a 2xx (JSON-RPC `error`, failed A2A task, SSE error part,
 *    the custom error path);
 *  - empty: a 2xx with no answer text;
 *  - timeout / network: no complete answer arrived.
 */
export type ChatOutcome =
  | { kind: 'answer'; status: number; text: string; session?: string; usage?: TokenUsage }
  | { kind: 'http-error'; status: number; detail?: string }
  | { kind: 'in-band-error'; status: number; detail: string; session?: string }
  | { kind: 'empty'; status: number; session?: string }
  | { kind: 'timeout'; afterMs: number }
  | { kind: 'network'; code: string }

/** Incremental reader of a streamed (SSE) answer: fed raw body chunks, reports text deltas. */
export interface StreamReader {
  /** Feed a chunk of the body; returns the answer-text deltas it completed (for TTFT/ITL). */
  push(chunk: string): string[]
  /** The body ended: the classified outcome of the whole stream. */
  end(status: number): ChatOutcome
}

export interface TargetProtocol {
  readonly id: ProtocolId
  /** Build the request for one turn (the body carries the message JSON-escaped). */
  request(turn: ChatTurn): WireRequest
  /** Classify a complete, non-streamed response. */
  parse(status: number, headers: Record<string, string>, body: string): ChatOutcome
  /** A reader for a streamed response, when this protocol streams (content-type text/event-stream). */
  streamReader?(): StreamReader
}
