import { describe, expect, it } from 'vitest'
import { checkContentType, mapBodyError, validateChatBody } from './validate.js'

describe('chat body validation', () => {
  it('accepts a message with optional ids, ignoring unknown fields', () => {
    expect(validateChatBody({ message: 'hi', session_id: 'abc-1:2.3_x', user_id: 'u1', extra: true })).toEqual({
      ok: true,
      value: { message: 'hi', session_id: 'abc-1:2.3_x', user_id: 'u1' },
    })
  })

  it.each([
    [null, 'body'],
    [[], 'body'],
    ['text', 'body'],
    [{}, 'message'],
    [{ message: 42 }, 'message'],
    [{ message: '   ' }, 'message'],
    [{ message: 'x'.repeat(32_001) }, 'message'],
    [{ message: 'a\u0000b' }, 'message'], // PostgreSQL text cannot store it: refused before the LLM is paid
    [{ message: 'hi', session_id: '' }, 'session_id'],
    [{ message: 'hi', session_id: 'a b' }, 'session_id'],
    [{ message: 'hi', session_id: 'x'.repeat(129) }, 'session_id'],
    [{ message: 'hi', user_id: 7 }, 'user_id'],
    [{ message: 'hi', user_id: '../etc' }, 'user_id'],
  ])('rejects %j with 400 on %s', (body, param) => {
    const result = validateChatBody(body)
    expect(result).toMatchObject({ ok: false, status: 400, param })
  })

  it('accepts a message of exactly the maximum length', () => {
    expect(validateChatBody({ message: 'x'.repeat(32_000) }).ok).toBe(true)
  })

  it('requires a JSON content type (415 otherwise)', () => {
    expect(checkContentType('application/json')).toEqual({ ok: true })
    expect(checkContentType('Application/JSON; charset=utf-8')).toEqual({ ok: true })
    expect(checkContentType('application/vnd.api+json')).toEqual({ ok: true })
    expect(checkContentType('text/plain')).toMatchObject({ ok: false, status: 415 })
    expect(checkContentType(undefined)).toMatchObject({ ok: false, status: 415, message: expect.stringContaining('none sent') })
  })

  it('maps body-parser failures to 400/413/415', () => {
    expect(mapBodyError({ code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 }, 65536)).toMatchObject({ status: 413, message: expect.stringContaining('65536') })
    expect(mapBodyError({ code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE', statusCode: 415 })).toMatchObject({ status: 415 })
    expect(mapBodyError({ code: 'FST_ERR_CTP_INVALID_JSON_BODY', statusCode: 400 })).toMatchObject({ status: 400, code: 'invalid_json' })
    expect(mapBodyError(new SyntaxError('Unexpected token'))).toMatchObject({ status: 400 })
    expect(mapBodyError(new Error('database down'))).toBeUndefined()
  })
})
