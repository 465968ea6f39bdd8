/**
 * Anthropic Messages: POST /v1/messages. JSON answers carry `content` blocks (text, tool_use),
 * `stop_reason` and `usage`; streams are named SSE events from message_start to message_stop.
 * Errors use Anthropic's shape and statuses (anthropic-errors.ts).
 */
import type { FaultContext, FaultResult } from '../context.js'
import { completionTokens, ID, renderJsonText, renderStream, type StreamEvents } from '../render.js'
import { streamPieces } from '../tokens.js'
import type { Outcome, ReplyPlan } from '../types.js'
import { anthropicError, anthropicErrorBody } from './anthropic-errors.js'
import { fromMessages } from './normalize.js'
import type { ApiErrorSpec, Delivery, WireFormat } from './types.js'

type Json = Record<string, unknown>

const STOP_REASONS: Record<ReplyPlan['finishReason'], string> = { stop: 'end_turn', length: 'max_tokens', tool_calls: 'tool_use', content_filter: 'refusal' }

/**
 * A tool_use input is a JSON object in Anthropic's API, never a string, so in a JSON answer
 * arguments that do not parse (bad-tool-args, a call cut by max_tokens) travel as the mock's own
 * `{"INVALID_JSON": "<text>"}`: an object that breaks the tool's schema and keeps the raw text.
 * Streams send the raw text in input_json_delta, as fine-grained tool streaming can
 * (https://platform.claude.com/docs/en/agents-and-tools/tool-use/fine-grained-tool-streaming).
 */
function inputOf(args: string): Json {
  try {
    const parsed = JSON.parse(args) as unknown
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Json
  } catch {
    // fall through
  }
  return { INVALID_JSON: args }
}

function blocks(plan: ReplyPlan, delivery: Delivery): Json[] {
  if (delivery === 'empty-choices') return []
  const content: Json[] = []
  if (plan.content) content.push({ type: 'text', text: plan.content })
  for (const call of plan.toolCalls) content.push({ type: 'tool_use', id: `toolu_${call.id.replace(/^call_/, '')}`, name: call.name, input: inputOf(call.arguments) })
  return content
}

function usage(ctx: FaultContext, output: number) {
  return { input_tokens: ctx.promptTokens(), cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: output, service_tier: 'standard' }
}

function message(ctx: FaultContext, plan: ReplyPlan, delivery: Delivery, id: string, final: boolean): Json {
  return {
    id: `msg_${id}`,
    type: 'message',
    role: 'assistant',
    model: ctx.model,
    content: final ? blocks(plan, delivery) : [],
    stop_reason: final ? STOP_REASONS[plan.finishReason] : null,
    stop_sequence: null,
    usage: usage(ctx, final ? completionTokens(plan) : 1),
  }
}

function buildStreamEvents(ctx: FaultContext, plan: ReplyPlan, delivery: Delivery): StreamEvents {
  const events: string[] = []
  const emit = (type: string, data: Json) => events.push(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`)
  emit('message_start', { message: message(ctx, plan, delivery, ID, false) })
  blocks(plan, delivery).forEach((block, index) => {
    if (block.type === 'text') {
      emit('content_block_start', { index, content_block: { type: 'text', text: '' } })
      if (index === 0) emit('ping', {})
      for (const text of streamPieces(String(block.text))) emit('content_block_delta', { index, delta: { type: 'text_delta', text } })
    } else {
      emit('content_block_start', { index, content_block: { ...block, input: {} } })
      // The raw arguments, as the model wrote them: invalid JSON arrives as it would with fine-grained tool streaming.
      const args = plan.toolCalls[index - (plan.content ? 1 : 0)]!.arguments
      for (let at = 0; at < args.length; at += 12) emit('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: args.slice(at, at + 12) } })
    }
    emit('content_block_stop', { index })
  })
  emit('message_delta', { delta: { stop_reason: STOP_REASONS[plan.finishReason], stop_sequence: null }, usage: { output_tokens: completionTokens(plan) } })
  emit('message_stop', {})
  return { events, closing: 2 }
}

function reply(ctx: FaultContext, plan: ReplyPlan, outcome: Outcome, delivery: Delivery): FaultResult | Promise<FaultResult> {
  const id = `mock${ctx.seq}`
  if (ctx.stream) return renderStream(ctx, plan, outcome, delivery, '', id, () => buildStreamEvents(ctx, plan, delivery))
  return renderJsonText(ctx, plan, outcome, delivery, () => JSON.stringify(message(ctx, plan, delivery, id, true)))
}

/** Anthropic's `event: error` (its docs' example is a mid-stream overloaded_error); the SDK throws it as an APIError. */
function streamError(_ctx: FaultContext, spec: ApiErrorSpec): string {
  const { body } = anthropicErrorBody(spec)
  return `event: error\ndata: ${body}\n\n`
}

export const messagesFormat: WireFormat = { api: 'messages', path: '/v1/messages', normalize: fromMessages, reply, error: anthropicError, streamError }
