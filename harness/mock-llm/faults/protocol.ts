import { applyMaxTokens, renderReply } from '../render.js'
import { defineFault, type CommonParams, type Fault } from './define.js'

/** 200 with a body that is not valid JSON (or, streamed, an SSE event cut in half). */
export const malformedJson = (params: CommonParams = {}): Fault =>
  defineFault('malformed-json', params, (ctx) => renderReply(ctx, applyMaxTokens(ctx, ctx.plan()), 'malformed', 'malformed'))

/** The stream stops halfway: no finish_reason, no usage, no [DONE]. JSON answers are cut in half. */
export const truncatedStream = (params: CommonParams = {}): Fault =>
  defineFault('truncated-stream', params, (ctx) => renderReply(ctx, applyMaxTokens(ctx, ctx.plan()), 'truncated', 'truncated'))

export type ConnectionResetParams = CommonParams & { midStream?: boolean }

/**
 * The connection drops: before any byte by default (the client sees ECONNRESET / "fetch
 * failed"); with `midStream: true`, streamed answers die after half their tokens.
 */
export const connectionReset = (params: ConnectionResetParams = {}): Fault =>
  defineFault('connection-reset', params, (ctx, p) => {
    if (p.midStream && ctx.stream) return renderReply(ctx, applyMaxTokens(ctx, ctx.plan()), 'reset', 'reset-mid-stream')
    return { response: Response.error(), outcome: 'reset' }
  })

/** 200 with `choices: []` — code that reads choices[0] blindly crashes. */
export const emptyChoices = (params: CommonParams = {}): Fault =>
  defineFault('empty-choices', params, (ctx) => renderReply(ctx, ctx.plan(), 'empty-choices', 'empty-choices'))
