/**
 * Anthropic's error vocabulary: `{type:"error", error:{type, message}, request_id}` and its own
 * statuses (https://docs.anthropic.com/en/api/errors). Faults describe errors in OpenAI's terms
 * (ApiErrorSpec); this is the one translation.
 */
import { answer } from '../wire.js'
import type { ApiErrorSpec } from './types.js'

/** Anthropic's type for an OpenAI-vocabulary error, and the status Anthropic uses for it. */
function translate(spec: ApiErrorSpec): { status: number; type: string } {
  if (spec.code === 'insufficient_quota') return { status: 402, type: 'billing_error' }
  if (spec.status === 429) return { status: 429, type: 'rate_limit_error' }
  // Anthropic says "overloaded" with its own 529, where OpenAI says 503.
  if (spec.status === 503) return { status: 529, type: 'overloaded_error' }
  if (spec.status === 404) return { status: 404, type: 'not_found_error' }
  if (spec.status === 401) return { status: 401, type: 'authentication_error' }
  if (spec.status === 413) return { status: 413, type: 'request_too_large' }
  if (spec.status >= 500) return { status: spec.status, type: 'api_error' }
  return { status: spec.status, type: 'invalid_request_error' }
}

const MESSAGES: Record<string, string> = {
  overloaded_error: 'Overloaded',
  api_error: 'Internal server error',
  billing_error: 'Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits.',
}

/** The error body and status; `requestId` fills request_id like the real API. */
export function anthropicErrorBody(spec: ApiErrorSpec, requestId = 'req_mock'): { status: number; body: string; type: string } {
  const { status, type } = translate(spec)
  const message = spec.anthropicMessage ?? (spec.status >= 500 || spec.code === 'insufficient_quota' ? (MESSAGES[type] ?? spec.message) : spec.message)
  return { status, type, body: JSON.stringify({ type: 'error', error: { type, message }, request_id: requestId }) }
}

export function anthropicError(spec: ApiErrorSpec): Response {
  const { status, body } = anthropicErrorBody(spec)
  return answer(body, status, { 'content-type': 'application/json', 'request-id': 'req_mock', ...spec.headers })
}
