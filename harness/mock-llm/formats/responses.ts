/**
 * OpenAI Responses: POST /v1/responses. JSON answers carry `output` items (message with
 * output_text, function_call) and `usage`; streams are typed SSE events (`event: <type>` plus the
 * same type in the data) from response.created to response.completed (response.incomplete when cut).
 */
import type { FaultContext, FaultResult } from '../context.js'
import { openAiError } from '../errors.js'
import { completionTokens, CREATED, ID, renderJsonText, renderStream, type StreamEvents } from '../render.js'
import { streamPieces } from '../tokens.js'
import type { Outcome, ReplyPlan } from '../types.js'
import { fromResponses } from './normalize.js'
import type { ApiErrorSpec, Delivery, WireFormat } from './types.js'

type Json = Record<string, unknown>

/** finish_reason in Responses terms: a cut answer is `incomplete`, with the reason. */
function statusOf(plan: ReplyPlan): { status: string; incomplete_details: { reason: string } | null } {
  if (plan.finishReason === 'length') return { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } }
  if (plan.finishReason === 'content_filter') return { status: 'incomplete', incomplete_details: { reason: 'content_filter' } }
  return { status: 'completed', incomplete_details: null }
}

const textPart = (text: string) => ({ type: 'output_text', text, annotations: [], logprobs: [] })

/** The output items, complete; ids derive from the response id so a template stays per-call unique. */
function outputItems(plan: ReplyPlan, delivery: Delivery, id: string): Json[] {
  if (delivery === 'empty-choices') return []
  const itemStatus = plan.finishReason === 'length' ? 'incomplete' : 'completed'
  const items: Json[] = []
  if (plan.content !== null) items.push({ id: `msg_${id}`, type: 'message', status: itemStatus, role: 'assistant', content: [textPart(plan.content)] })
  plan.toolCalls.forEach((call, i) => items.push({ id: `fc_${id}_${i}`, type: 'function_call', status: itemStatus, call_id: call.id, name: call.name, arguments: call.arguments }))
  return items
}

function responseObject(ctx: FaultContext, plan: ReplyPlan, delivery: Delivery, id: string, created: unknown, final: boolean): Json {
  const input = ctx.promptTokens()
  const output = completionTokens(plan)
  return {
    id: `resp_${id}`,
    object: 'response',
    created_at: created,
    ...(final ? statusOf(plan) : { status: 'in_progress', incomplete_details: null }),
    error: null,
    instructions: null,
    max_output_tokens: ctx.body.max_tokens ?? null,
    model: ctx.model,
    output: final ? outputItems(plan, delivery, id) : [],
    parallel_tool_calls: true,
    previous_response_id: null,
    tool_choice: 'auto',
    tools: [],
    usage: final ? { input_tokens: input, input_tokens_details: { cached_tokens: 0 }, output_tokens: output, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: input + output } : null,
  }
}

function buildStreamEvents(ctx: FaultContext, plan: ReplyPlan, delivery: Delivery): StreamEvents {
  let sequence = 0
  const events: string[] = []
  const emit = (type: string, data: Json) => events.push(`event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequence++, ...data })}\n\n`)
  emit('response.created', { response: responseObject(ctx, plan, delivery, ID, CREATED, false) })
  emit('response.in_progress', { response: responseObject(ctx, plan, delivery, ID, CREATED, false) })
  outputItems(plan, delivery, ID).forEach((item, output_index) => {
    const item_id = item.id
    if (item.type === 'message') {
      const text = (plan.content ?? '')
      emit('response.output_item.added', { output_index, item: { ...item, status: 'in_progress', content: [] } })
      emit('response.content_part.added', { item_id, output_index, content_index: 0, part: textPart('') })
      for (const delta of text ? streamPieces(text) : []) emit('response.output_text.delta', { item_id, output_index, content_index: 0, delta, logprobs: [] })
      emit('response.output_text.done', { item_id, output_index, content_index: 0, text, logprobs: [] })
      emit('response.content_part.done', { item_id, output_index, content_index: 0, part: textPart(text) })
    } else {
      const args = String(item.arguments)
      emit('response.output_item.added', { output_index, item: { ...item, status: 'in_progress', arguments: '' } })
      for (let at = 0; at < args.length; at += 12) emit('response.function_call_arguments.delta', { item_id, output_index, delta: args.slice(at, at + 12) })
      emit('response.function_call_arguments.done', { item_id, output_index, name: item.name, arguments: args })
    }
    emit('response.output_item.done', { output_index, item })
  })
  const final = responseObject(ctx, plan, delivery, ID, CREATED, true)
  emit(final.status === 'completed' ? 'response.completed' : 'response.incomplete', { response: final })
  return { events, closing: 1 }
}

function reply(ctx: FaultContext, plan: ReplyPlan, outcome: Outcome, delivery: Delivery): FaultResult | Promise<FaultResult> {
  const id = `mock${ctx.seq}`
  if (ctx.stream) return renderStream(ctx, plan, outcome, delivery, '', id, () => buildStreamEvents(ctx, plan, delivery))
  return renderJsonText(ctx, plan, outcome, delivery, () => JSON.stringify(responseObject(ctx, plan, delivery, id, Math.floor(Date.now() / 1000), true)))
}

/**
 * The `error` event (code, message, param), then response.failed: the response object with status
 * failed and the same error. A client may watch either; both are in the API's event catalogue.
 */
function streamError(ctx: FaultContext, spec: ApiErrorSpec, sequence: number, id: string): string {
  const code = spec.code ?? spec.type
  const error = `event: error\ndata: ${JSON.stringify({ type: 'error', sequence_number: sequence, code, message: spec.message, param: spec.param ?? null })}\n\n`
  const response = { id: `resp_${id}`, object: 'response', created_at: Math.floor(Date.now() / 1000), status: 'failed', error: { code, message: spec.message }, incomplete_details: null, model: ctx.model, output: [], usage: null }
  return error + `event: response.failed\ndata: ${JSON.stringify({ type: 'response.failed', sequence_number: sequence + 1, response })}\n\n`
}

export const responsesFormat: WireFormat = { api: 'responses', path: '/v1/responses', normalize: fromResponses, reply, error: openAiError, streamError }
