/** OpenAI-shaped error responses: {error:{message,type,param,code}}. */
import { answer } from './wire.js'

export interface OpenAiErrorInit {
  status: number
  message: string
  type: string
  code: string | null
  param?: string | null
  headers?: Record<string, string>
}

export function openAiError(init: OpenAiErrorInit): Response {
  const body = JSON.stringify({ error: { message: init.message, type: init.type, param: init.param ?? null, code: init.code } })
  return answer(body, init.status, { 'content-type': 'application/json', ...init.headers })
}

export const badRequest = (message: string, param: string | null = null): Response =>
  openAiError({ status: 400, message, type: 'invalid_request_error', param, code: null })

const SERVER_ERRORS: Record<number, { message: string; type: string }> = {
  500: { message: 'The server had an error while processing your request. Sorry about that!', type: 'server_error' },
  502: { message: 'Bad gateway.', type: 'server_error' },
  503: { message: 'The engine is currently overloaded, please try again later.', type: 'server_error' },
}

export function serverError(status: number): Response {
  const known = SERVER_ERRORS[status] ?? { message: `Upstream error ${status}.`, type: 'server_error' }
  return openAiError({ status, message: known.message, type: known.type, code: null })
}

export function jsonResponse(value: unknown, status = 200, headers?: Record<string, string>): Response {
  return answer(JSON.stringify(value), status, { 'content-type': 'application/json', ...headers })
}
