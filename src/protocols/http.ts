/**
 * `http` (custom): any JSON-over-HTTP agent. The request body is a template (target.request.body)
 * whose `{{message}}` and `{{session}}` placeholders are replaced JSON-escaped; the answer text,
 * an in-band error, the session and the usage are located with JSONPath (jsonpath-plus,
 * target.response). A text/event-stream answer is read event by event with `response.delta`.
 */
import { JSONPath } from 'jsonpath-plus'
import { describeError } from './agentctl.js'
import { baseHeaders, httpError, isEventStream, messageText, parseJson, readWholeStream, sseReader, textOutcome } from './common.js'
import type { HttpResponsePaths, ProtocolOptions } from './options.js'
import type { ChatOutcome, StreamReader, TargetProtocol } from './types.js'
import { readUsage } from './usage.js'

export const DEFAULT_HTTP_BODY = { message: '{{message}}' }

export function httpProtocol(opts: ProtocolOptions): TargetProtocol {
  const url = new URL(opts.chatPath, opts.url).toString()
  const template = opts.bodyTemplate ?? DEFAULT_HTTP_BODY
  const paths: HttpResponsePaths = opts.response ?? {}
  const reader = (): StreamReader =>
    sseReader((data) => {
      if (data.trim() === '[DONE]') return { done: true }
      const json = parseJson(data)
      if (json === undefined) return undefined
      const error = paths.streamError ? present(first(paths.streamError, json)) : undefined
      if (error !== undefined) return { error: describeError(error) }
      const delta = paths.delta ? first(paths.delta, json) : undefined
      const usage = paths.usage ? readUsage(first(paths.usage, json)) : undefined
      const session = paths.session ? first(paths.session, json) : undefined
      return { ...(typeof delta === 'string' ? { delta } : {}), ...(usage ? { usage } : {}), ...(typeof session === 'string' ? { session } : {}) }
    })
  return {
    id: 'http',
    request(turn) {
      const body = renderTemplate(template, { message: messageText(turn), session: turn.session })
      return { method: 'POST', url, headers: baseHeaders(opts, 'application/json, text/event-stream'), body }
    },
    parse(status, headers, body): ChatOutcome {
      if (status < 200 || status >= 300) return httpError(status, body)
      if (isEventStream(headers)) {
        if (!paths.delta) return { kind: 'empty', status, detail: 'the agent answered an SSE stream but target.response.delta is not set' }
        return readWholeStream(reader(), status, body)
      }
      const json = parseJson(body)
      if (json === undefined) return { kind: 'empty', status, detail: 'the body is not JSON' }
      const error = paths.error ? present(first(paths.error, json)) : undefined
      if (error !== undefined) return { kind: 'in-band-error', status, detail: describeError(error) }
      const session = paths.session ? first(paths.session, json) : undefined
      return textOutcome(status, paths.text ? first(paths.text, json) : undefined, {
        session: typeof session === 'string' ? session : undefined,
        usage: paths.usage ? readUsage(first(paths.usage, json)) : undefined,
      })
    },
    streamReader: reader,
    describe: () => `POST ${url} ${typeof template === 'string' ? template : JSON.stringify(template)} → ${paths.text ?? paths.delta ?? '?'} (http)`,
  }
}

/** The first value a JSONPath selects, or undefined. */
export function first(path: string, json: unknown): unknown {
  const found = JSONPath({ path, json: json as object, wrap: true }) as unknown[]
  return found[0]
}

/** An error path "matches" only with a value that says something (not null, false or ''). */
function present(value: unknown): unknown {
  return value === undefined || value === null || value === false || value === '' ? undefined : value
}

/**
 * Renders the body template. An object template: a string that is exactly a placeholder becomes
 * the value (a missing session drops the key); placeholders inside longer strings are spliced in.
 * A string template (raw JSON text): placeholders are replaced by the JSON-escaped value, so they
 * belong inside quotes ("{{message}}").
 */
export function renderTemplate(template: unknown, values: { message: string; session?: string }): string {
  if (typeof template === 'string') {
    return template.replace(/\{\{\s*(message|session)\s*\}\}/g, (_m, key: 'message' | 'session') => JSON.stringify(values[key] ?? '').slice(1, -1))
  }
  return JSON.stringify(substitute(template, values))
}

const DROP = Symbol('drop')

function substitute(value: unknown, values: { message: string; session?: string }): unknown {
  if (typeof value === 'string') {
    const whole = /^\{\{\s*(message|session)\s*\}\}$/.exec(value)
    if (whole) return values[whole[1] as 'message' | 'session'] ?? DROP
    return value.replace(/\{\{\s*(message|session)\s*\}\}/g, (_m, key: 'message' | 'session') => values[key] ?? '')
  }
  if (Array.isArray(value)) return value.map((v) => substitute(v, values)).filter((v) => v !== DROP)
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) {
      const s = substitute(v, values)
      if (s !== DROP) out[k] = s
    }
    return out
  }
  return value
}
