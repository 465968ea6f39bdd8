/**
 * Shared machinery of the resilience checks: a thin client for the mock LLM's control API, a
 * black-box client for the agent, and the attribution of the mock's LLM calls to agent requests.
 *
 * Everything here judges from the outside (HTTP status, headers, latency, and the mock's call log),
 * never from an agent's internals, so the verdicts hold for any agent whose LLM traffic goes
 * through the mock.
 */
import { MockLlmControl } from '../harness/mock-llm/control-client.js'
import type { CallRecord, MockLlmStats } from '../harness/mock-llm/control-client.js'
import type { CheckContext, CheckOutcome } from '../src/check.js'
import { traceIdsOf } from '../src/traces.js'
import { type ChatResult, sendChat } from '../src/protocols/send.js'
import type { ChatOutcome, ChatTurn, FrameworkHint, TargetProtocol } from '../src/protocols/types.js'

// One copy of the control API's wire types (docs/CONTRACTS.md contract #2): the mock's own.
export type MockCall = CallRecord
export type MockStats = MockLlmStats
export { MockLlmControl }

/** What the agent did with one request, with the LLM calls it made while serving it. */
export interface Exchange {
  label: string
  /** HTTP status, or undefined when no response came (timeout, refused, reset). */
  status?: number
  /** Network-level failure: 'timeout', 'ECONNREFUSED', 'ECONNRESET', ... */
  error?: string
  latencyMs: number
  startedAt: number
  headers: Record<string, string>
  body: unknown
  /** The raw body (chats: its first 64 KiB). */
  text: string
  llmCalls: MockCall[]
  /** Chats sent through the target protocol: what the answer was, judged from its content. */
  outcome?: ChatOutcome
  /** The attribution marker the chat carried (its LLM calls are exactly the mock's calls with it). */
  marker?: string
  /** A framework the answer gave away (AI SDK stream parts, A2A, x-powered-by). */
  framework?: FrameworkHint
  /** The mock's stats right after this request: the next sequential request's starting snapshot. */
  mockAfter?: MockStats
  /** Chats: the W3C trace of this chat (the agent's traceresponse, else the traceparent sent). */
  traceId?: string
}

export interface AgentTarget {
  url: string
  chatPath: string
  healthPath: string
  apiKey?: string
}

let probeCounter = 0

/** A chat message nobody has sent before, so a response cache can't hide the agent's LLM behaviour. */
export function uniqueMessage(purpose: string): string {
  probeCounter += 1
  return `Reply with one short sentence. (agentctl validate ${purpose} #${probeCounter}-${Date.now().toString(36)})`
}

export interface SendOptions {
  method?: string
  path?: string
  /** A raw body (string) or a JSON value; undefined sends no body. */
  body?: unknown
  rawBody?: string
  auth?: boolean
  timeoutMs: number
  headers?: Record<string, string>
  /** The mock's stats taken just before (saves a round trip when requests follow each other). */
  before?: MockStats
}

/** Sends one request to the agent and attributes the mock's calls made meanwhile (requests are sequential). */
export async function exchange(
  target: AgentTarget,
  mock: MockLlmControl | undefined,
  signal: AbortSignal,
  label: string,
  opts: SendOptions,
): Promise<Exchange> {
  const before = mock ? (opts.before ?? (await mock.stats())) : undefined
  const headers: Record<string, string> = { ...opts.headers }
  if (opts.body !== undefined || opts.rawBody !== undefined) headers['content-type'] ??= 'application/json'
  if (opts.auth !== false && target.apiKey) headers.authorization = `Bearer ${target.apiKey}`
  const startedAt = Date.now()
  const t0 = performance.now()
  const result: Exchange = { label, latencyMs: 0, startedAt, headers: {}, body: undefined, text: '', llmCalls: [] }
  try {
    const res = await fetch(new URL(opts.path ?? target.chatPath, target.url), {
      method: opts.method ?? 'POST',
      headers,
      body: opts.rawBody ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body)),
      signal: AbortSignal.any([signal, AbortSignal.timeout(opts.timeoutMs)]),
    })
    result.status = res.status
    result.headers = Object.fromEntries(res.headers.entries())
    result.text = await res.text()
    try {
      result.body = JSON.parse(result.text)
    } catch {
      result.body = undefined
    }
  } catch (error) {
    if (signal.aborted) throw error
    result.error = networkError(error)
  }
  result.latencyMs = Math.round(performance.now() - t0)
  if (mock && before) {
    const after = await mock.stats()
    result.llmCalls = callsSince(before, after)
    result.mockAfter = after
  }
  return result
}

/** The calls the mock logged after a snapshot. A reset in between (seq restarts) keeps them all. */
export function callsSince(before: MockStats, after: MockStats): MockCall[] {
  if (after.total < before.total) return after.calls
  const lastSeq = before.calls.reduce((max, c) => Math.max(max, c.seq), -1)
  return after.calls.filter((c) => c.seq > lastSeq)
}

function networkError(error: unknown): string {
  const err = error as { name?: string; message?: string; cause?: { code?: string; message?: string } }
  if (err?.name === 'TimeoutError' || err?.name === 'AbortError') return 'timeout'
  return err?.cause?.code ?? err?.cause?.message ?? err?.message ?? String(error)
}

/** A chat succeeded only with a non-empty answer (in-band errors and empty 200s are failures); other requests by status. */
export const isSuccess = (ex: Exchange) => (ex.outcome ? ex.outcome.kind === 'answer' : ex.status !== undefined && ex.status >= 200 && ex.status < 300)
export const isRefused = (ex: Exchange) => ex.error === 'ECONNREFUSED'

/** Seconds or an HTTP date, as RFC 9110 allows; undefined when absent or unreadable. */
export function retryAfterMs(ex: Exchange): number | undefined {
  const value = ex.headers['retry-after']
  if (!value) return undefined
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Number(value) * 1000
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now())
}

export function callsByModel(ex: Exchange): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const c of ex.llmCalls) counts[c.model] = (counts[c.model] ?? 0) + 1
  return counts
}

/** A compact, evidence-friendly view of an exchange (no bodies of megabytes, no secrets). */
export function summarize(ex: Exchange): Record<string, unknown> {
  const models = callsByModel(ex)
  return {
    request: ex.label,
    status: ex.status ?? ex.error,
    ...(ex.outcome && ex.outcome.kind !== 'answer' && ex.status !== undefined ? { answer: describeOutcome(ex) } : {}),
    latencyMs: ex.latencyMs,
    llmCalls: ex.llmCalls.length,
    ...(ex.llmCalls.length ? { callsByModel: models, outcomes: ex.llmCalls.map((c) => c.outcome) } : {}),
    ...(ex.headers['retry-after'] ? { retryAfter: ex.headers['retry-after'] } : {}),
    ...(ex.marker ? { marker: ex.marker } : {}),
  }
}

/** At most `max` characters; a cut text says so (it read "… for gpt-4o-mini i)" mid-word). */
function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text
}

/** What the agent answered, in words, from content: the cause a finding must name. */
export function describeOutcome(ex: Exchange): string {
  const o = ex.outcome
  if (!o) return ex.status !== undefined ? `HTTP ${ex.status}` : ex.error === 'timeout' ? `no answer within ${ex.latencyMs}ms` : `no answer (${ex.error})`
  switch (o.kind) {
    case 'answer':
      return `an answer (HTTP ${o.status})`
    case 'http-error':
      return `HTTP ${o.status}${o.detail ? ` (${clip(o.detail, 120)})` : ''}`
    case 'in-band-error':
      return `an error inside an HTTP ${o.status} answer (${clip(o.detail, 160)})`
    case 'empty':
      return `an empty answer (HTTP ${o.status}${o.detail ? `, ${o.detail}` : ''})`
    case 'timeout':
      return `no answer within ${o.afterMs}ms`
    case 'network':
      return o.code === 'ECONNREFUSED' ? 'connection refused' : `no answer (${o.code})`
  }
}

/**
 * One chat through the target protocol, carrying `turn.marker`: its LLM calls are the mock's calls
 * with that marker (docs/CONTRACTS.md #2), so calls a framework makes in the background for an
 * earlier request are never counted here.
 */
export async function chatExchange(protocol: TargetProtocol, mock: MockLlmControl | undefined, signal: AbortSignal, label: string, turn: ChatTurn, opts: { timeoutMs: number; noAuth?: boolean }): Promise<Exchange> {
  const r: ChatResult = await sendChat(protocol, turn, { timeoutMs: opts.timeoutMs, signal, noAuth: opts.noAuth })
  const o = r.outcome
  const ex: Exchange = {
    label,
    ...(r.status !== undefined ? { status: r.status } : {}),
    ...(o.kind === 'timeout' ? { error: 'timeout' } : o.kind === 'network' ? { error: o.code } : {}),
    latencyMs: r.latencyMs,
    startedAt: r.startedAt,
    headers: r.headers,
    body: parseJsonOrUndefined(r.body),
    text: r.body,
    llmCalls: [],
    outcome: o,
    ...(turn.marker ? { marker: turn.marker } : {}),
    ...(r.framework ? { framework: r.framework } : {}),
    ...(reachedAgent(r) ? { traceId: r.traceId } : {}),
  }
  if (mock && turn.marker) {
    const stats = await mock.stats({ marker: turn.marker })
    // A call to a route the mock does not serve (answered 404) is not an LLM call the agent made; prepare() names it.
    ex.llmCalls = stats.calls.filter((c) => c.marker === turn.marker && c.api !== 'unserved')
  }
  return ex
}

/**
 * Whether the chat got to an agent, so a trace of it may exist: an answer, a timeout, or a
 * connection cut mid-way. A refused connection, an unknown host or a blocked port reached nobody.
 */
function reachedAgent(r: ChatResult): boolean {
  const o = r.outcome
  return r.status !== undefined || o.kind === 'timeout' || (o.kind === 'network' && /RESET|SOCKET|EPIPE|CLOSED/i.test(o.code))
}

/**
 * A non-pass outcome names the traces of the chats its verdict rests on (`evidence.traceIds`, the
 * last few, in order); the runner adds where to look (src/traces.ts). A pass is left as it is.
 */
export function traced(outcome: CheckOutcome, ...chats: Array<Exchange | undefined>): CheckOutcome {
  if (outcome.status === 'pass') return outcome
  const ids = traceIdsOf(chats)
  return ids.length ? { ...outcome, evidence: { ...outcome.evidence, traceIds: ids } } : outcome
}

function parseJsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

export { sleep } from '../src/sleep.js'

export type { CheckContext }
