/** OpenAI-shaped error responses: {error:{message,type,param,code}}, and error specs faults hand to a format. */
import type { ApiErrorSpec } from './formats/types.js'
import { answer } from './wire.js'

export function openAiError(init: ApiErrorSpec): Response {
  const body = JSON.stringify({ error: { message: init.message, type: init.type, param: init.param ?? null, code: init.code } })
  return answer(body, init.status, { 'content-type': 'application/json', ...init.headers })
}

export const badRequestSpec = (message: string, param: string | null = null): ApiErrorSpec => ({ status: 400, message, type: 'invalid_request_error', param, code: null })

export const badRequest = (message: string, param: string | null = null): Response => openAiError(badRequestSpec(message, param))

const SERVER_ERRORS: Record<number, { message: string; type: string }> = {
  500: { message: 'The server had an error while processing your request. Sorry about that!', type: 'server_error' },
  502: { message: 'Bad gateway.', type: 'server_error' },
  503: { message: 'The engine is currently overloaded, please try again later.', type: 'server_error' },
}

export function serverErrorSpec(status: number): ApiErrorSpec {
  const known = SERVER_ERRORS[status] ?? { message: `Upstream error ${status}.`, type: 'server_error' }
  return { status, message: known.message, type: known.type, code: null }
}

export function jsonResponse(value: unknown, status = 200, headers?: Record<string, string>): Response {
  return answer(JSON.stringify(value), status, { 'content-type': 'application/json', ...headers })
}
