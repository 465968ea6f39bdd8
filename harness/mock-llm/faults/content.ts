import { renderReply } from '../render.js'
import { callId, chooseTool, textPlan, toolCallPlan } from '../script.js'
import { streamPieces } from '../tokens.js'
import type { FaultContext } from '../context.js'
import type { ReplyPlan } from '../types.js'
import { defineFault, type CommonParams, type Fault } from './define.js'
import { healthyReply } from './latency.js'

export type ContentFilterParams = CommonParams & { mode?: 'finish' | 'error' }

/**
 * The provider's safety filter: by default a 200 with `finish_reason: content_filter` and no
 * content (OpenAI/Azure completions); `mode: 'error'` gives Azure's 400 code content_filter.
 */
export const contentFilter = (params: ContentFilterParams = {}): Fault =>
  defineFault('content-filter', params, (ctx, p) => {
    if (p.mode === 'error') {
      return {
        response: ctx.error({
          status: 400,
          type: 'invalid_request_error',
          param: 'prompt',
          code: 'content_filter',
          message: "The response was filtered due to the prompt triggering the content management policy. Please modify your prompt and retry.",
        }),
        outcome: 'content-filter',
      }
    }
    return renderReply(ctx, { content: null, toolCalls: [], finishReason: 'content_filter' }, 'content-filter')
  })

/** The tool call an agent would get now, even after a tool result (a model "stuck" on tools). */
function forcedToolCall(ctx: FaultContext): ReplyPlan {
  const tool = chooseTool(ctx.body.tools!, ctx.lastUserText, ctx.body.tool_choice)
  const plan = toolCallPlan(tool, ctx.lastUserText, ctx.seed)
  // A fresh id per turn: a real model never reuses ids within one conversation.
  plan.toolCalls[0]!.id = callId(tool.function.name, `${ctx.lastUserText}#${ctx.body.messages.length}`, ctx.seed)
  return plan
}

export type BadToolArgsParams = CommonParams & { mode?: 'invalid-json' | 'schema' }

/**
 * A tool call whose arguments are not JSON (default) or are JSON that breaks the tool's schema
 * (`mode: 'schema'`: required fields missing, an unknown field). Without tools: a plain answer.
 */
export const badToolArgs = (params: BadToolArgsParams = {}): Fault =>
  defineFault('bad-tool-args', params, (ctx, p) => {
    if (!ctx.hasTools) return undefined
    const plan = forcedToolCall(ctx)
    const call = plan.toolCalls[0]!
    call.arguments = p.mode === 'schema' ? JSON.stringify({ unexpected_argument: 42 }) : call.arguments.slice(0, -1).replace(/"/, "'")
    return renderReply(ctx, plan, 'bad-tool-args')
  })

/** Always asks for a tool, even after results: tests the agent's iteration cap. */
export const toolLoop = (params: CommonParams = {}): Fault =>
  defineFault('tool-loop', params, (ctx) => (ctx.hasTools ? renderReply(ctx, forcedToolCall(ctx), 'tool-loop') : healthyReply(ctx)))

/** finish_reason 'length': the answer (or the tool call's arguments) is cut off mid-way. */
export const length = (params: CommonParams = {}): Fault =>
  defineFault('length', params, (ctx) => {
    const plan = ctx.plan()
    if (plan.toolCalls.length > 0) {
      const call = plan.toolCalls[0]!
      return renderReply(ctx, { content: null, toolCalls: [{ ...call, arguments: call.arguments.slice(0, Math.ceil(call.arguments.length / 2)) }], finishReason: 'length' }, 'length')
    }
    const pieces = streamPieces(plan.content ?? '')
    return renderReply(ctx, textPlan(pieces.slice(0, Math.max(1, Math.ceil(pieces.length / 2))).join(''), 'length'), 'length')
  })
