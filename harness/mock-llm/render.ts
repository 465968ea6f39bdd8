import type { FaultContext, FaultResult } from './context.js'
import { sseBody, sseEvent, SSE_DONE, SSE_HEADERS } from './sse.js'
import { streamPieces, tokensOf } from './tokens.js'
import { answer } from './wire.js'
import type { Outcome, ReplyPlan } from './types.js'

/** How a reply is delivered: faithfully, or broken in one of the ways real providers break. */
export type Delivery = 'normal' | 'truncated' | 'malformed' | 'empty-choices' | 'reset-mid-stream'

const FINGERPRINT = 'fp_mock0001'

function usageOf(ctx: FaultContext, plan: ReplyPlan) {
  const prompt = ctx.promptTokens()
  let completion = plan.content ? tokensOf(plan.content) : 0
  for (const call of plan.toolCalls) completion += tokensOf(call.name) + tokensOf(call.arguments) + 3
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  }
}

/** Honours max_tokens / max_completion_tokens the way OpenAI does: cut and finish with 'length'. */
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

export function renderReply(ctx: FaultContext, plan: ReplyPlan, outcome: Outcome, delivery: Delivery = 'normal'): Promise<FaultResult> | FaultResult {
  return ctx.stream ? renderStream(ctx, plan, outcome, delivery) : renderJson(ctx, plan, outcome, delivery)
}

function message(plan: ReplyPlan) {
  return {
    role: 'assistant',
    content: plan.content,
    refusal: null,
    annotations: [],
    ...(plan.toolCalls.length > 0 && {
      tool_calls: plan.toolCalls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } })),
    }),
  }
}

/** Everything after id/object/created: fixed for a given plan, so serialised once per plan. */
function jsonTail(ctx: FaultContext, plan: ReplyPlan, delivery: Delivery): string {
  return JSON.stringify({
    model: ctx.model,
    choices: delivery === 'empty-choices' ? [] : [{ index: 0, message: message(plan), logprobs: null, finish_reason: plan.finishReason }],
    usage: usageOf(ctx, plan),
    service_tier: 'default',
    system_fingerprint: FINGERPRINT,
  }).slice(1)
}

// Plans are cached per request body (and so per model): the tail of a healthy answer is too.
const tails = new WeakMap<ReplyPlan, string>()
function cachedTail(ctx: FaultContext, plan: ReplyPlan): string {
  let tail = tails.get(plan)
  if (tail === undefined) tails.set(plan, (tail = jsonTail(ctx, plan, 'normal')))
  return tail
}

async function renderJson(ctx: FaultContext, plan: ReplyPlan, outcome: Outcome, delivery: Delivery): Promise<FaultResult> {
  const { totalMs, ttftMs, interTokenMs } = ctx.delay
  const waitMs = totalMs ?? (ttftMs ?? 0) + (interTokenMs ?? 0) * (plan.content ? streamPieces(plan.content).length : 4)
  await ctx.wait(waitMs)
  const head = `{"id":"chatcmpl-mock${ctx.seq}","object":"chat.completion","created":${Math.floor(Date.now() / 1000)},`
  let text = head + (delivery === 'normal' ? cachedTail(ctx, plan) : jsonTail(ctx, plan, delivery))
  // truncated: the connection "ended early"; malformed: a JSON syntax error a lenient parser might miss.
  if (delivery === 'truncated') text = text.slice(0, Math.floor(text.length / 2))
  else if (delivery === 'malformed') text = text.slice(0, -1) + ',]'
  return { response: answer(text, 200, ctx.headers()), outcome }
}

function streamTiming(ctx: FaultContext, pieces: number) {
  const { totalMs, ttftMs, interTokenMs } = ctx.delay
  if (ttftMs !== undefined || interTokenMs !== undefined) return { ttftMs: ttftMs ?? 0, interTokenMs: interTokenMs ?? 0 }
  if (!totalMs) return { ttftMs: 0, interTokenMs: 0 }
  // A total latency only: 40% before the first token, the rest spread across tokens.
  return { ttftMs: Math.round(totalMs * 0.4), interTokenMs: Math.round((totalMs * 0.6) / Math.max(pieces, 1)) }
}

// Stream events are built once per (plan, usage option) with placeholders for the per-call id
// and timestamp, then filled in: a streaming load test re-serialises nothing.
const ID = '@@mock-id@@'
const CREATED = '@@mock-created@@'
const CREATED_JSON = `"${CREATED}"`
const streamTemplates = new WeakMap<ReplyPlan, Map<string, string[]>>()

function streamEvents(ctx: FaultContext, plan: ReplyPlan, delivery: Delivery): { events: string[]; paced: number } {
  const includeUsage = ctx.body.stream_options?.include_usage === true
  const key = `${delivery}:${includeUsage}`
  let byKey = streamTemplates.get(plan)
  let template = byKey?.get(key)
  if (!template) {
    template = buildStreamEvents(ctx, plan, delivery, includeUsage)
    if (!byKey) streamTemplates.set(plan, (byKey = new Map()))
    byKey.set(key, template)
  }
  const id = `chatcmpl-mock${ctx.seq}`
  const created = String(Math.floor(Date.now() / 1000))
  const events = template.map((e) => e.replaceAll(ID, id).replaceAll(CREATED_JSON, created))
  // The last paced event is the last token; finish, usage and [DONE] follow at once.
  const tail = delivery === 'truncated' || delivery === 'empty-choices' ? 0 : includeUsage ? 3 : 2
  return { events, paced: events.length - tail }
}

function buildStreamEvents(ctx: FaultContext, plan: ReplyPlan, delivery: Delivery, includeUsage: boolean): string[] {
  const head = { id: ID, object: 'chat.completion.chunk', created: CREATED, model: ctx.model, system_fingerprint: FINGERPRINT }
  const event = (value: object) => sseEvent(value)
  const chunk = (delta: object, finishReason: string | null = null) =>
    event({ ...head, choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }], ...(includeUsage && { usage: null }) })
  if (delivery === 'empty-choices') return [event({ ...head, choices: [], usage: usageOf(ctx, plan) }), SSE_DONE]
  const events = [chunk({ role: 'assistant', content: plan.content === null ? null : '', refusal: null })]
  if (plan.content) for (const piece of streamPieces(plan.content)) events.push(chunk({ content: piece }))
  plan.toolCalls.forEach((call, index) => {
    events.push(chunk({ tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }] }))
    for (let at = 0; at < call.arguments.length; at += 12) {
      events.push(chunk({ tool_calls: [{ index, function: { arguments: call.arguments.slice(at, at + 12) } }] }))
    }
  })
  if (delivery === 'malformed') {
    const at = Math.min(1, events.length - 1)
    events[at] = events[at]!.slice(0, Math.floor(events[at]!.length / 2)) + '\n\n'
  }
  if (delivery === 'truncated') {
    // Stop halfway through the tokens: no finish_reason, no usage, no [DONE].
    events.length = Math.max(1, Math.ceil(events.length / 2))
    return events
  }
  events.push(chunk({}, plan.finishReason))
  if (includeUsage) events.push(event({ ...head, choices: [], usage: usageOf(ctx, plan) }))
  events.push(SSE_DONE)
  return events
}

function renderStream(ctx: FaultContext, plan: ReplyPlan, outcome: Outcome, delivery: Delivery): FaultResult {
  const { events, paced } = streamEvents(ctx, plan, delivery)
  const timing = streamTiming(ctx, paced)
  const failAfter = delivery === 'reset-mid-stream' ? Math.max(1, Math.floor(paced / 2)) : undefined
  const body = sseBody(events, timing, { pacedEvents: paced, onEnd: () => ctx.onEnd(), failAfter })
  const headers = ctx.headers(SSE_HEADERS['content-type'])
  if (typeof body === 'string') return { response: answer(body, 200, headers), outcome }
  return { response: new Response(body, { status: 200, headers }), outcome, streaming: true }
}
