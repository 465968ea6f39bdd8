/** OpenAI Chat Completions: POST /v1/chat/completions, JSON and `data:` SSE chunks ending in [DONE]. */
import type { FaultContext, FaultResult } from '../context.js'
import { badRequestSpec, openAiError } from '../errors.js'
import { completionTokens, CREATED, ID, renderJsonText, renderStream, type StreamEvents } from '../render.js'
import { sseEvent, SSE_DONE } from '../sse.js'
import { streamPieces } from '../tokens.js'
import type { ChatRequest, Outcome, ReplyPlan } from '../types.js'
import type { ApiErrorSpec, Delivery, WireFormat } from './types.js'

const FINGERPRINT = 'fp_mock0001'

function usageOf(ctx: FaultContext, plan: ReplyPlan) {
  const prompt = ctx.promptTokens()
  const completion = completionTokens(plan)
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  }
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
function tailOf(ctx: FaultContext, plan: ReplyPlan, delivery: Delivery): string {
  if (delivery !== 'normal') return jsonTail(ctx, plan, delivery)
  let tail = tails.get(plan)
  if (tail === undefined) tails.set(plan, (tail = jsonTail(ctx, plan, 'normal')))
  return tail
}

function buildStreamEvents(ctx: FaultContext, plan: ReplyPlan, delivery: Delivery, includeUsage: boolean): StreamEvents {
  const head = { id: ID, object: 'chat.completion.chunk', created: CREATED, model: ctx.model, system_fingerprint: FINGERPRINT }
  const chunk = (delta: object, finishReason: string | null = null) =>
    sseEvent({ ...head, choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }], ...(includeUsage && { usage: null }) })
  if (delivery === 'empty-choices') return { events: [sseEvent({ ...head, choices: [], usage: usageOf(ctx, plan) }), SSE_DONE], closing: 0 }
  const events = [chunk({ role: 'assistant', content: plan.content === null ? null : '', refusal: null })]
  if (plan.content) for (const piece of streamPieces(plan.content)) events.push(chunk({ content: piece }))
  plan.toolCalls.forEach((call, index) => {
    events.push(chunk({ tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }] }))
    for (let at = 0; at < call.arguments.length; at += 12) {
      events.push(chunk({ tool_calls: [{ index, function: { arguments: call.arguments.slice(at, at + 12) } }] }))
    }
  })
  events.push(chunk({}, plan.finishReason))
  if (includeUsage) events.push(sseEvent({ ...head, choices: [], usage: usageOf(ctx, plan) }))
  events.push(SSE_DONE)
  return { events, closing: includeUsage ? 3 : 2 }
}

function reply(ctx: FaultContext, plan: ReplyPlan, outcome: Outcome, delivery: Delivery): FaultResult | Promise<FaultResult> {
  if (ctx.stream) {
    const includeUsage = ctx.body.stream_options?.include_usage === true
    return renderStream(ctx, plan, outcome, delivery, String(includeUsage), `chatcmpl-mock${ctx.seq}`, () => buildStreamEvents(ctx, plan, delivery, includeUsage))
  }
  return renderJsonText(ctx, plan, outcome, delivery, () =>
    `{"id":"chatcmpl-mock${ctx.seq}","object":"chat.completion","created":${Math.floor(Date.now() / 1000)},` + tailOf(ctx, plan, delivery),
  )
}

/** The request as sent, once the fields the script reads are known to be well-formed. */
function normalize(raw: unknown): ChatRequest | ApiErrorSpec {
  const body = raw as ChatRequest
  if (!body || typeof body !== 'object' || typeof body.model !== 'string' || body.model === '') return badRequestSpec('you must provide a model parameter', 'model')
  if (!Array.isArray(body.messages) || body.messages.length === 0) {
    return { status: 400, type: 'invalid_request_error', param: 'messages', code: 'missing_required_parameter', message: "Missing required parameter: 'messages'." }
  }
  const invalid = invalidField(body)
  return invalid ? badRequestSpec(`Invalid value for '${invalid}'.`, invalid) : body
}

/** The first malformed field the script would trip over, OpenAI-style ("messages[2]"), if any. */
function invalidField(body: ChatRequest): string | undefined {
  const badMessage = body.messages.findIndex((m) => !m || typeof m !== 'object' || typeof m.role !== 'string')
  if (badMessage >= 0) return `messages[${badMessage}]`
  if (body.tools === undefined || body.tools === null) return undefined
  if (!Array.isArray(body.tools)) return 'tools'
  const badTool = body.tools.findIndex((t) => typeof t?.function?.name !== 'string')
  return badTool >= 0 ? `tools[${badTool}].function.name` : undefined
}

export const chatFormat: WireFormat = { api: 'chat', path: '/v1/chat/completions', normalize, reply, error: openAiError }
