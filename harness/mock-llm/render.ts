/**
 * Delivery machinery every wire format shares: max-token cuts, latency, breaking a body or a stream
 * the way the fault says (truncated, malformed, reset mid-stream), and per-plan stream templates.
 * Each format (formats/*.ts) only says what its JSON and its events look like.
 */
import type { FaultContext, FaultResult } from './context.js'
import type { Delivery } from './formats/types.js'
import { sseBody, SSE_HEADERS } from './sse.js'
import { streamPieces, tokensOf } from './tokens.js'
import { answer } from './wire.js'
import type { Outcome, ReplyPlan } from './types.js'

export type { Delivery } from './formats/types.js'

/** Renders a plan in the caller's format (the route the call came in on). */
export function renderReply(ctx: FaultContext, plan: ReplyPlan, outcome: Outcome, delivery: Delivery = 'normal'): Promise<FaultResult> | FaultResult {
  return ctx.format.reply(ctx, plan, outcome, delivery)
}

export function completionTokens(plan: ReplyPlan): number {
  let tokens = plan.content ? tokensOf(plan.content) : 0
  for (const call of plan.toolCalls) tokens += tokensOf(call.name) + tokensOf(call.arguments) + 3
  return tokens
}

/** Honours the request's output cap (max_tokens, max_output_tokens) the way providers do: cut and finish with 'length'. */
export function applyMaxTokens(ctx: FaultContext, plan: ReplyPlan): ReplyPlan {
  const max = ctx.body.max_completion_tokens ?? ctx.body.max_tokens
  if (!max || !plan.content || tokensOf(plan.content) <= max) return plan
  let text = ''
  for (const piece of streamPieces(plan.content)) {
    if (tokensOf(text + piece) > max) break
    text += piece
  }
  return { content: text, toolCalls: [], finishReason: 'length' }
}

/** A non-streamed answer after the call's latency; truncated and malformed deliveries break the body. */
export async function renderJsonText(ctx: FaultContext, plan: ReplyPlan, outcome: Outcome, delivery: Delivery, text: () => string): Promise<FaultResult> {
  const { totalMs, ttftMs, interTokenMs } = ctx.delay
  await ctx.wait(totalMs ?? (ttftMs ?? 0) + (interTokenMs ?? 0) * (plan.content ? streamPieces(plan.content).length : 4))
  let body = text()
  // truncated: the connection "ended early"; malformed: a JSON syntax error a lenient parser might miss.
  if (delivery === 'truncated') body = body.slice(0, Math.floor(body.length / 2))
  else if (delivery === 'malformed') body = body.slice(0, -1) + ',]'
  return { response: answer(body, 200, ctx.headers()), outcome }
}

/** What a format's stream builder returns: its events, the last `closing` of which end the stream (finish, usage, [DONE]). */
export interface StreamEvents {
  events: string[]
  closing: number
}

// Stream events are built once per (plan, format, variant) with placeholders for the per-call id
// and timestamp, then filled in: a streaming load test re-serialises nothing.
export const ID = '@@mock-id@@'
export const CREATED = '@@mock-created@@'
const CREATED_JSON = `"${CREATED}"`
const templates = new WeakMap<ReplyPlan, Map<string, { events: string[]; paced: number }>>()

/**
 * The call's SSE answer: the format's events (built once per plan and variant), broken as the
 * delivery says, paced by the call's latency. `id` replaces the ID placeholder.
 */
export function renderStream(ctx: FaultContext, plan: ReplyPlan, outcome: Outcome, delivery: Delivery, variant: string, id: string, build: () => StreamEvents): FaultResult {
  const key = `${ctx.format.api}:${delivery}:${variant}`
  let byKey = templates.get(plan)
  let template = byKey?.get(key)
  if (!template) {
    template = breakEvents(build(), delivery)
    if (!byKey) templates.set(plan, (byKey = new Map()))
    byKey.set(key, template)
  }
  const created = String(Math.floor(Date.now() / 1000))
  const events = template.events.map((e) => e.replaceAll(ID, id).replaceAll(CREATED_JSON, created))
  const paced = template.paced
  const { totalMs, ttftMs, interTokenMs } = ctx.delay
  let timing = { ttftMs: ttftMs ?? 0, interTokenMs: interTokenMs ?? 0 }
  // A total latency only: 40% before the first token, the rest spread across tokens.
  if (ttftMs === undefined && interTokenMs === undefined && totalMs) timing = { ttftMs: Math.round(totalMs * 0.4), interTokenMs: Math.round((totalMs * 0.6) / Math.max(paced, 1)) }
  const failAfter = delivery === 'reset-mid-stream' ? Math.max(1, Math.floor(paced / 2)) : undefined
  const body = sseBody(events, timing, { pacedEvents: paced, onEnd: () => ctx.onEnd(), failAfter })
  const headers = ctx.headers(SSE_HEADERS['content-type'])
  if (typeof body === 'string') return { response: answer(body, 200, headers), outcome }
  return { response: new Response(body, { status: 200, headers }), outcome, streaming: true }
}

/** truncated: stop halfway through the tokens, without the closing events; malformed: cut the second event in half. */
function breakEvents({ events, closing }: StreamEvents, delivery: Delivery): { events: string[]; paced: number } {
  if (delivery === 'truncated') {
    const body = events.slice(0, events.length - closing)
    body.length = Math.max(1, Math.ceil(body.length / 2))
    return { events: body, paced: body.length }
  }
  if (delivery === 'malformed') {
    const at = Math.min(1, events.length - 1)
    events = events.slice()
    events[at] = events[at]!.slice(0, Math.floor(events[at]!.length / 2)) + '\n\n'
  }
  // The last paced event is the last token; the closing events follow at once.
  return { events, paced: events.length - closing }
}
