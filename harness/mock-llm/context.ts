import { setTimeout as sleep } from 'node:timers/promises'
import { planReply, type CompiledScript } from './script.js'
import { promptTokens, messageText } from './tokens.js'
import type { ApiErrorSpec, WireFormat } from './formats/types.js'
import type { ChatRequest, Outcome, ReplyPlan } from './types.js'

export interface RateLimitHeaders {
  headers(tokens: number, into: Record<string, string>): void
}

/** Latency a fault (or the base --latency) adds; resolved against the reply's size. */
export interface Delay {
  totalMs?: number
  ttftMs?: number
  interTokenMs?: number
}

export interface FaultResult {
  response: Response
  outcome: Outcome
  /** The body keeps streaming after the handler returns: the end time is set by the stream. */
  streaming?: boolean
}

/** What the engine shares with every call. */
export interface EngineShared {
  seed: number
  random: () => number
  scripts: CompiledScript[]
  /** Released when the mock closes, so hanging calls never outlive it. */
  lifetime: AbortSignal
  rates: RateLimitHeaders
}

/** Per distinct request body: identical prompts (a load test) reuse the parse, the plan and the tokens. */
export interface BodyEntry {
  /** The request mapped onto the chat shape (formats/*.ts normalize), or why it is invalid. */
  body: ChatRequest | ApiErrorSpec
  /** The attribution marker (docs/CONTRACTS.md #2); null once looked for and absent. */
  marker?: string | null
  plan?: ReplyPlan
  promptTokens?: number
}

/** Everything a fault needs to decide and shape one call. Built once per request. */
export class FaultContext {
  delay: Delay
  /** Set by `slow`: its latency then also applies to errors, not only completions. */
  slowed = false
  /** Faults that shaped the call without deciding it (slow): they show in stats as 'slow+healthy'. */
  readonly shapedBy: string[] = []
  onEnd: () => void = () => {}
  readonly body: ChatRequest

  constructor(
    private readonly shared: EngineShared,
    readonly format: WireFormat,
    private readonly entry: BodyEntry & { body: ChatRequest },
    private readonly signalOf: () => AbortSignal,
    readonly seq: number,
    baseDelayMs: number,
  ) {
    this.body = entry.body
    this.delay = baseDelayMs > 0 ? { totalMs: baseDelayMs } : {}
  }

  get seed(): number {
    return this.shared.seed
  }

  get random(): () => number {
    return this.shared.random
  }

  get lifetime(): AbortSignal {
    return this.shared.lifetime
  }

  /** Aborts when the client goes away. Looked up lazily: most calls never need it. */
  get signal(): AbortSignal {
    return this.signalOf()
  }

  get model(): string {
    return this.body.model
  }

  get stream(): boolean {
    return this.body.stream === true
  }

  get hasTools(): boolean {
    return (this.body.tools?.length ?? 0) > 0
  }

  get lastUserText(): string {
    for (let i = this.body.messages.length - 1; i >= 0; i--) {
      const message = this.body.messages[i]!
      if (message.role === 'user') return messageText(message)
    }
    return ''
  }

  /** The default script's reply; shared by identical requests, so never mutate it. */
  plan(): ReplyPlan {
    return (this.entry.plan ??= planReply(this.body, this.shared.seed, this.shared.scripts))
  }

  promptTokens(): number {
    return (this.entry.promptTokens ??= promptTokens(this.body))
  }

  /** The caller's format's version of an error described in OpenAI's vocabulary. */
  error(spec: ApiErrorSpec): Response {
    return this.format.error(spec)
  }

  /** Per-response headers (x-request-id, or Anthropic's request-id; x-ratelimit-*). */
  headers(contentType = 'application/json'): Record<string, string> {
    const headers: Record<string, string> = { 'content-type': contentType, [this.format.api === 'messages' ? 'request-id' : 'x-request-id']: `req_mock_${this.seq}` }
    if (contentType !== 'application/json') headers['cache-control'] = 'no-cache'
    this.shared.rates.headers(this.promptTokens(), headers)
    return headers
  }

  /** Waits unless the client went away first; never throws. */
  async wait(ms: number): Promise<void> {
    if (ms <= 0 || this.signal.aborted) return
    try {
      await sleep(ms, undefined, { signal: this.signal })
    } catch {
      // The client disconnected: nothing left to wait for.
    }
  }

  /** The delay before an error answer: only an explicit `slow` fault slows errors down. */
  errorDelayMs(): number {
    return this.slowed ? (this.delay.totalMs ?? this.delay.ttftMs ?? 0) : 0
  }
}
