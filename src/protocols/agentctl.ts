/**
 * `agentctl` (default): the reference agent's wire format, `POST {chatPath} {message, session_id}`
 * answering `{response, session_id, model, usage}` (agent/routes/chat.ts ChatResponse).
 */
import { baseHeaders, httpError, messageText, parseJson, textOutcome } from './common.js'
import type { ProtocolOptions } from './options.js'
import type { ChatOutcome, TargetProtocol } from './types.js'
import { readUsage } from './usage.js'

export function agentctlProtocol(opts: ProtocolOptions): TargetProtocol {
  const url = new URL(opts.chatPath, opts.url).toString()
  return {
    id: 'agentctl',
    request(turn) {
      const body: Record<string, unknown> = { message: messageText(turn) }
      if (turn.session) body.session_id = turn.session
      return { method: 'POST', url, headers: baseHeaders(opts), body: JSON.stringify(body) }
    },
    parse(status, _headers, body): ChatOutcome {
      if (status < 200 || status >= 300) return httpError(status, body)
      const json = parseJson(body) as Record<string, unknown> | undefined
      if (!json || typeof json !== 'object') return { kind: 'empty', status, detail: 'the body is not JSON' }
      if (json.error) return { kind: 'in-band-error', status, detail: describeError(json.error) }
      const session = typeof json.session_id === 'string' ? json.session_id : undefined
      return textOutcome(status, json.response, { session, usage: readUsage(json.usage, json.model) })
    },
    describe: () => `POST ${url} {"message", "session_id"} → {"response"} (agentctl)`,
  }
}

export function describeError(error: unknown): string {
  if (typeof error === 'string') return error.slice(0, 300)
  const e = error as { message?: unknown; code?: unknown; type?: unknown }
  if (e && typeof e.message === 'string') return `${e.code !== undefined ? `${String(e.code)}: ` : ''}${e.message}`.slice(0, 300)
  return JSON.stringify(error)?.slice(0, 300) ?? 'error'
}
