/**
 * The one "send a chat, get an answer or an error" abstraction (issue 14). validate, load and
 * diagnose all talk to a target through a TargetProtocol; nothing else builds chat requests or
 * reads chat answers. See docs/CONTRACTS.md "Target protocols".
 *
 * Refined by h14a (owner): `ChatTurn.marker`; `TokenUsage.model/costUsd`; `ChatOutcome.framework`
 * hints; `TargetProtocol.discovery` and `describe()`; protocols are built by `openProtocol()`
 * (src/protocols/index.ts), which does any discovery (the A2A agent card) once, before traffic,
 * so `request()` stays synchronous for the load engine's hot path.
 */

export type ProtocolId = 'agentctl' | 'openai-chat' | 'a2a' | 'ai-sdk' | 'http'

export const PROTOCOL_IDS: readonly ProtocolId[] = ['agentctl', 'openai-chat', 'a2a', 'ai-sdk', 'http']

/** Tokens as the agent reported them, normalised from any common usage shape (src/protocols/usage.ts). */
export interface TokenUsage {
  inputTokens: number
  outputTokens: number
  /** The model the agent named next to the usage, when it did. */
  model?: string
  /** The agent's own cost figure (the reference agent's usage.cost_usd), when it reports one. */
  costUsd?: number
}

/** One chat turn to send. */
export interface ChatTurn {
  message: string
  /**
   * Attribution id (docs/CONTRACTS.md contract #2): the adapter puts `[agentctl:<marker>]` in the
   * user message text, so the mock LLM can tell which check caused each LLM call.
   */
  marker?: string
  /** The session/context id from an earlier answer of the same conversation, if any. */
  session?: string
  /** Ask a target that can stream for a stream. */
  stream?: boolean
}

/** An HTTP request ready to send (an absolute URL). */
export interface WireRequest {
  method: 'POST' | 'GET'
  url: string
  headers: Record<string, string>
  body?: string
}

/** A framework the answer or the discovery document gave away (for framework-aware advice). */
export type FrameworkHint = 'ai-sdk' | 'langchain' | 'openai-agents' | 'mastra' | 'a2a-js' | 'a2a' | (string & {})

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
  | { kind: 'answer'; status: number; text: string; session?: string; usage?: TokenUsage; framework?: FrameworkHint }
  | { kind: 'http-error'; status: number; detail?: string }
  | { kind: 'in-band-error'; status: number; detail: string; session?: string; framework?: FrameworkHint }
  | { kind: 'empty'; status: number; session?: string; detail?: string; framework?: FrameworkHint }
  | { kind: 'timeout'; afterMs: number }
  | { kind: 'network'; code: string }

export type OutcomeKind = ChatOutcome['kind']

/** Incremental reader of a streamed (SSE) answer: fed raw body chunks, reports text deltas. */
export interface StreamReader {
  /** Feed a chunk of the body; returns the answer-text deltas it completed (for TTFT/ITL). */
  push(chunk: string): string[]
  /** The body ended: the classified outcome of the whole stream. */
  end(status: number): ChatOutcome
}

/** What discovery found (e.g. the A2A agent card), for diagnose and for evidence. */
export interface Discovery {
  /** The discovery document's URL (the agent card). */
  url: string
  /** The endpoint chats go to, as the document announced it. */
  endpoint: string
  /** e.g. 'JSONRPC 1.0', 'HTTP+JSON 0.3'. */
  binding: string
  name?: string
  framework?: FrameworkHint
}

export interface TargetProtocol {
  readonly id: ProtocolId
  /** Set when the protocol found its endpoint through a discovery document. */
  readonly discovery?: Discovery
  /** Build the request for one turn (the body carries the message JSON-escaped). */
  request(turn: ChatTurn): WireRequest
  /** Classify a complete, non-streamed response (a text/event-stream body is read as a stream). */
  parse(status: number, headers: Record<string, string>, body: string): ChatOutcome
  /** A reader for a streamed response, when this protocol streams (content-type text/event-stream). */
  streamReader?(): StreamReader
  /** One line for humans: "POST http://…/chat (agentctl {message, session_id})". */
  describe(): string
}
