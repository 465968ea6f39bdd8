import { openAiError } from '../errors.js'
import { anthropicError } from './anthropic-errors.js'
import { chatFormat } from './chat.js'
import type { ApiErrorSpec, WireFormat } from './types.js'

export type { LlmApi, WireFormat, ApiErrorSpec } from './types.js'
export { LLM_APIS } from './types.js'

/** Every format the mock serves, one route each (POST). */
export const FORMATS: WireFormat[] = [chatFormat]

/** The format served at this path (query already stripped), if any. */
export function formatAt(path: string): WireFormat | undefined {
  for (const format of FORMATS) if (format.path === path) return format
  return undefined
}

/** The routes the mock serves, for 404 messages and diagnostics. */
export const SERVED_ROUTES = [...FORMATS.map((f) => `POST ${f.path}`), 'GET /v1/models']

export function unservedSpec(method: string, path: string): ApiErrorSpec {
  return { status: 404, type: 'invalid_request_error', code: 'unknown_url', message: `The mock LLM does not serve ${method} ${path}; it serves ${SERVED_ROUTES.join(', ')}.` }
}

/**
 * The 404 for a route no format serves, in the caller's format: Anthropic's shape for a client
 * that sends anthropic-version (or calls a .../messages path), OpenAI's otherwise.
 */
export function unservedAnswer(method: string, path: string, anthropic: boolean): Response {
  const spec = unservedSpec(method, path)
  return anthropic || /\/messages\b/.test(path) ? anthropicError(spec) : openAiError(spec)
}
