import { badRequestSpec, serverErrorSpec } from '../errors.js'
import type { FaultContext, FaultResult } from '../context.js'
import { defineFault, type CommonParams, type Fault } from './define.js'

const ROTATION = [500, 502, 503]

async function after<T>(ctx: FaultContext, result: T): Promise<T> {
  await ctx.wait(ctx.errorDelayMs())
  return result
}

export type ErrorStormParams = CommonParams & { status?: 500 | 502 | 503 }

function storm(ctx: FaultContext, status?: number): Promise<FaultResult> {
  return after(ctx, { response: ctx.error(serverErrorSpec(status ?? ROTATION[ctx.seq % ROTATION.length]!)), outcome: 'error' })
}

/** Every matching call fails with 5xx (rotating 500/502/503 unless `status` is given). */
export const errorStorm = (params: ErrorStormParams = {}): Fault => defineFault('error-storm', params, (ctx, p) => storm(ctx, p.status))

/** A share of calls fail with 5xx: `probability` is the error rate (default 0.3). */
export const flaky = (params: ErrorStormParams = {}): Fault => defineFault('flaky', params, (ctx, p) => storm(ctx, p.status), 0.3)

export type RateLimitedParams = CommonParams & { retryAfterMs?: number }

/** 429 rate_limit_exceeded with both Retry-After (seconds, rounded up) and retry-after-ms. */
export const rateLimited = (params: RateLimitedParams = {}): Fault =>
  defineFault('rate-limited', params, (ctx, p) => {
    const retryAfterMs = p.retryAfterMs ?? 1000
    const seconds = Math.ceil(retryAfterMs / 1000)
    const response = ctx.error({
      status: 429,
      type: 'requests',
      code: 'rate_limit_exceeded',
      message: `Rate limit reached for ${ctx.model} in organization org-mock on requests per min (RPM): Limit 10000, Used 10000, Requested 1. Please try again in ${retryAfterMs}ms.`,
      headers: {
        'retry-after': String(seconds),
        'retry-after-ms': String(retryAfterMs),
        'x-ratelimit-limit-requests': '10000',
        'x-ratelimit-remaining-requests': '0',
        'x-ratelimit-reset-requests': `${retryAfterMs}ms`,
      },
    })
    return after(ctx, { response, outcome: 'rate-limited' })
  })

/** 429 insufficient_quota: billing, not load — retrying never helps. */
export const quota = (params: CommonParams = {}): Fault =>
  defineFault('quota', params, (ctx) =>
    after(ctx, {
      response: ctx.error({
        status: 429,
        type: 'insufficient_quota',
        code: 'insufficient_quota',
        message: 'You exceeded your current quota, please check your plan and billing details. For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.',
      }),
      outcome: 'quota',
    }),
  )

export type BadRequestParams = CommonParams & { message?: string }

/** A plain 400 invalid_request_error: the request is wrong, retrying cannot fix it. */
export const badRequestFault = (params: BadRequestParams = {}): Fault =>
  defineFault('bad-request', params, (ctx, p) =>
    after(ctx, { response: ctx.error(badRequestSpec(p.message ?? "Invalid request: 'messages' was rejected (injected by the bad-request scenario).")), outcome: 'bad-request' }),
  )

export type ContextLengthParams = CommonParams & { maxContextTokens?: number }

/**
 * 400 context_length_exceeded. With `maxContextTokens`, only prompts above that size fail —
 * the realistic form, for testing an agent's history trimming.
 */
export const contextLength = (params: ContextLengthParams = {}): Fault =>
  defineFault('context-length', params, (ctx, p) => {
    const tokens = ctx.promptTokens()
    if (p.maxContextTokens !== undefined && tokens <= p.maxContextTokens) return undefined
    const limit = p.maxContextTokens ?? 128_000
    return after(ctx, {
      response: ctx.error({
        status: 400,
        type: 'invalid_request_error',
        param: 'messages',
        code: 'context_length_exceeded',
        message: `This model's maximum context length is ${limit} tokens. However, your messages resulted in ${Math.max(tokens, limit + 1)} tokens. Please reduce the length of the messages.`,
        anthropicMessage: `prompt is too long: ${Math.max(tokens, limit + 1)} tokens > ${limit} maximum`,
      }),
      outcome: 'context-length',
    })
  })
