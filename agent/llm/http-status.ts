/**
 * How an LLM failure reaches the agent's caller. The status says who can fix it: 503 "retry
 * later" (with Retry-After), 502/504 "the upstream failed", 413/422 "this request cannot succeed".
 * type and code carry the same specific name so clients and agentctl can match on either.
 */
import { redact } from '../../src/redact.js'
import { ApiError } from '../errors.js'
import { AllBreakersOpenError, LlmError } from './types.js'

/** Upstream text is the provider's (or a proxy's): it may echo keys, so it is redacted and bounded. */
const MAX_UPSTREAM_CHARS = 300
const api = (status: number, type: string, message: string, retryAfterSec?: number) =>
  new ApiError(status, type, redact(message).slice(0, MAX_UPSTREAM_CHARS), { retryAfterSec })

export function llmFailureToApiError(error: unknown): unknown {
  if (error instanceof AllBreakersOpenError) {
    return api(503, 'llm_unavailable', `the LLM is failing and every model's circuit breaker is open; retry in ${error.retryAfterSec}s`, error.retryAfterSec)
  }
  if (!(error instanceof LlmError)) return error
  const retryAfter = error.details.retryAfterMs !== undefined ? Math.max(1, Math.ceil(error.details.retryAfterMs / 1000)) : undefined
  switch (error.kind) {
    case 'timeout':
      return api(504, 'llm_timeout', `the LLM did not answer in time, after retries (${error.message})`)
    case 'aborted':
      return api(504, 'request_timeout', 'the chat did not finish within REQUEST_TIMEOUT_MS')
    case 'network':
      return api(502, 'llm_unreachable', `the LLM could not be reached, after retries (${error.message})`)
    case 'server':
      return api(502, 'llm_upstream_error', `the LLM kept failing after retries: ${error.message}`)
    case 'rate_limited':
      return api(503, 'llm_rate_limited', `the LLM provider is rate limiting this agent: ${error.message}`, retryAfter ?? 5)
    case 'quota':
      return api(503, 'llm_quota_exhausted', `the LLM account's quota is exhausted; add credit or raise the limit: ${error.message}`, retryAfter ?? 60)
    case 'client':
      // Our own request was refused (bad LLM_API_KEY, unknown model): the agent is misconfigured.
      return api(502, 'llm_request_rejected', `the LLM rejected the agent's request (check LLM_API_KEY and LLM_MODEL): ${error.message}`)
    case 'context_length':
      return api(413, 'context_length_exceeded', 'the conversation does not fit the model context even after trimming; shorten the message or start a new session')
    case 'content_filter':
      return api(422, 'content_filtered', "the LLM provider's content filter refused this request")
    case 'length':
      return api(502, 'llm_output_truncated', 'the model hit its output token limit before finishing the answer')
    case 'invalid_response':
      return api(502, 'llm_invalid_response', `the LLM returned an unusable response after retries: ${error.message}`)
  }
}
