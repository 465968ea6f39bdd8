import { performance } from 'node:perf_hooks'
import type { Dispatcher } from 'undici'
import type { ChatOutcome, TargetProtocol, TokenUsage } from '../../src/protocols/types.js'
import type { EngineOptions } from './driver.js'
import type { Recorder } from './recorder.js'
import type { Turn } from './workload.js'

/**
 * The one reader of load answers: the open model, the closed model's virtual users and the
 * capacity search's probe and settle requests all judge a response here, so "success" means the
 * same thing in every phase of a run.
 */
export interface ChatRead {
  text: string
  ok: boolean
  /** The status, or the outcome kind when a 2xx carried no answer (in-band-error, empty). */
  status: string
  timing?: Parameters<Recorder['recordStream']>[1]
  usage?: TokenUsage
  session?: string
}

/**
 * A response of the load. With a protocol (a chat load) success is an answer, classified from
 * content (readChat); without one (--body, GET) it is a status below 400, and the body is only
 * kept when `wantBody` (sessions, cost), otherwise discarded unread.
 */
export async function readResponse(res: Dispatcher.ResponseData, protocol: TargetProtocol | undefined, wantBody: boolean): Promise<ChatRead> {
  if (protocol) return readChat(res, protocol)
  const text = wantBody ? await res.body.text() : (await res.body.dump(), '')
  return { text, ok: res.statusCode < 400, status: String(res.statusCode) }
}

/**
 * A chat through a protocol adapter: success is an answer, classified from content (a 200 with an
 * in-band error is a failure). A text/event-stream body is read as it arrives, timing each chunk
 * that completed answer-text deltas (TTFT/ITL in the recorder).
 */
export async function readChat(res: Dispatcher.ResponseData, protocol: TargetProtocol): Promise<ChatRead> {
  const headers = Object.fromEntries(Object.entries(res.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v ?? '')]))
  const reader = /text\/event-stream/i.test(headers['content-type'] ?? '') && res.statusCode < 300 ? protocol.streamReader?.() : undefined
  if (!reader) {
    const text = await res.body.text()
    const outcome = protocol.parse(res.statusCode, headers, text)
    return { text, ok: outcome.kind === 'answer', ...sessionOf(outcome), ...usageOf(outcome), status: outcome.kind === 'answer' || outcome.kind === 'http-error' ? String(res.statusCode) : outcome.kind }
  }
  const decoder = new TextDecoder()
  const timing: NonNullable<ChatRead['timing']> = { arrivals: [] }
  for await (const chunk of res.body) {
    const at = performance.now()
    timing.firstByteAt ??= at
    const deltas = reader.push(decoder.decode(chunk as Buffer, { stream: true })).filter((d) => d.length > 0).length
    if (deltas > 0) timing.arrivals.push({ at, deltas })
  }
  const outcome = reader.end(res.statusCode)
  const ok = outcome.kind === 'answer'
  return { text: '', ok, status: ok ? String(res.statusCode) : outcome.kind, timing, ...sessionOf(outcome), ...usageOf(outcome) }
}

/** The session the answer named (agentctl session_id, A2A contextId, …), for the next turn. */
export function sessionOf(outcome: ChatOutcome): { session?: string } {
  return 'session' in outcome && outcome.session ? { session: outcome.session } : {}
}

function usageOf(outcome: ChatOutcome): { usage?: TokenUsage } {
  return outcome.kind === 'answer' && outcome.usage ? { usage: outcome.usage } : {}
}

/**
 * What both models do with an answer they read: its latency and status from `startedAt` (the
 * intended send time in the open model, the actual one in the closed model), a streamed answer's
 * TTFT/ITL from the same start, the turn handed back to the workload (sessions), and its usage
 * or body for the cost.
 */
export function recordAnswer(opts: EngineOptions, recorder: Recorder, turn: Turn, startedAt: number, read: ChatRead): void {
  recorder.record(startedAt, performance.now(), read.ok, read.status)
  if (read.ok && read.timing) recorder.recordStream(startedAt, read.timing)
  opts.workload.complete(turn, read.ok, read.text, read.session)
  if (read.ok && read.usage) opts.onUsage?.(read.usage)
  else if (read.ok && read.text && !opts.protocol) opts.onBody?.(read.text)
}

/** A transport error's status: undici's header/body timeouts are timeouts like ours. */
export function errorCode(error: NodeJS.ErrnoException): string {
  if (error.code === 'UND_ERR_HEADERS_TIMEOUT' || error.code === 'UND_ERR_BODY_TIMEOUT') return 'timeout'
  return error.code ?? error.name ?? 'error'
}
