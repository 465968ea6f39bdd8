/**
 * Request validation for POST /chat. The answers follow OpenAI's error shape
 * ({error:{message,type,param,code}}) so clients already written for OpenAI read them.
 *
 * Unknown body fields are ALLOWED and ignored: clients (and the agentctl load driver) add
 * correlation fields, and rejecting them would break forward compatibility for no safety gain.
 */
export const MAX_MESSAGE_CHARS = 32_000
export const SESSION_ID_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/

export interface ChatBody {
  message: string
  session_id?: string
  user_id?: string
}

export type ValidationResult = { ok: true; value: ChatBody } | { ok: false; status: 400; message: string; param: string }

/** An HTTP-level refusal the server turns into `{error:{message,type,param,code}}`. */
export interface HttpRejection {
  status: 400 | 413 | 415
  code: 'invalid_json' | 'payload_too_large' | 'unsupported_media_type'
  message: string
}

export function validateChatBody(body: unknown): ValidationResult {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return bad('body', 'The request body must be a JSON object like {"message": "..."}.')
  }
  const b = body as Record<string, unknown>
  if (b.message === undefined || b.message === null) return bad('message', 'Missing required field "message".')
  if (typeof b.message !== 'string') return bad('message', '"message" must be a string.')
  if (b.message.trim() === '') return bad('message', '"message" must not be empty.')
  if (b.message.length > MAX_MESSAGE_CHARS) return bad('message', `"message" is longer than ${MAX_MESSAGE_CHARS} characters.`)
  // PostgreSQL text cannot hold NUL: refuse it here, before the LLM is paid for a turn that cannot be stored.
  if (b.message.includes('\0')) return bad('message', '"message" must not contain NUL (\\u0000) characters.')
  const value: ChatBody = { message: b.message }
  for (const field of ['session_id', 'user_id'] as const) {
    const v = b[field]
    if (v === undefined || v === null) continue
    if (typeof v !== 'string' || !SESSION_ID_PATTERN.test(v)) {
      return bad(field, `"${field}" must be 1-128 characters of letters, digits, "_", ".", ":" or "-".`)
    }
    value[field] = v
  }
  return { ok: true, value }
}

function bad(param: string, message: string): ValidationResult {
  return { ok: false, status: 400, message, param }
}

/** 415 unless the Content-Type is JSON (`application/json`, optionally with parameters, or `+json`). */
export function checkContentType(contentType: string | undefined): { ok: true } | ({ ok: false } & HttpRejection) {
  const essence = (contentType ?? '').split(';')[0]!.trim().toLowerCase()
  if (essence === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(essence)) return { ok: true }
  return {
    ok: false,
    status: 415,
    code: 'unsupported_media_type',
    message: `Content-Type must be application/json${essence ? ` (got ${essence})` : ' (none sent)'}.`,
  }
}

/**
 * Maps a body-parsing failure of the HTTP framework to 400/413/415. Works with fastify's error
 * codes (FST_ERR_CTP_*) and with plain SyntaxError from JSON.parse; anything else is not ours.
 */
export function mapBodyError(err: unknown, limitBytes?: number): HttpRejection | undefined {
  const e = err as { code?: string; statusCode?: number; name?: string } | undefined
  if (!e || typeof e !== 'object') return undefined
  if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || e.statusCode === 413) {
    return { status: 413, code: 'payload_too_large', message: `The request body is larger than ${limitBytes ? `${limitBytes} bytes` : 'the limit'}.` }
  }
  if (e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || e.statusCode === 415) {
    return { status: 415, code: 'unsupported_media_type', message: 'Content-Type must be application/json.' }
  }
  if (e.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
    return { status: 400, code: 'invalid_json', message: 'The request body is empty; send a JSON object like {"message": "..."}.' }
  }
  if (e.code === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH') {
    return { status: 400, code: 'invalid_json', message: 'The Content-Length header does not match the body.' }
  }
  if (e.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || e.name === 'SyntaxError') {
    return { status: 400, code: 'invalid_json', message: 'The request body is not valid JSON.' }
  }
  return undefined
}
