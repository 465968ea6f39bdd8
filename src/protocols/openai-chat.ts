/**
 * `openai-chat`: an OpenAI-compatible Chat Completions endpoint. `messages[]` in;
 * `choices[0].message.content` out, or an SSE stream of `choices[0].delta.content` chunks ending in
 * `data: [DONE]`. An `error` member (in a JSON body or an SSE event) is a failed answer even in a
 * 200, as some gateways send it. Stateless: the protocol has no session.
 */
import { describeError } from './agentctl.js'
import { baseHeaders, httpError, isEventStream, messageText, parseJson, readWholeStream, sseReader, textOutcome } from './common.js'
import type { ProtocolOptions } from './options.js'
import type { ChatOutcome, StreamReader, TargetProtocol } from './types.js'
import { readUsage } from './usage.js'

export function openaiChatProtocol(opts: ProtocolOptions): TargetProtocol {
  const url = new URL(opts.chatPath, opts.url).toString()
  const model = opts.model ?? 'agent'
  const reader = (): StreamReader =>
    sseReader((data) => {
      if (data.trim() === '[DONE]') return { done: true }
      const json = parseJson(data) as Record<string, any> | undefined
      if (!json || typeof json !== 'object') return undefined
      if (json.error) return { error: describeError(json.error) }
      const delta = json.choices?.[0]?.delta?.content
      return { ...(typeof delta === 'string' ? { delta } : {}), ...(json.usage ? { usage: readUsage(json.usage, json.model) } : {}) }
    })
  return {
    id: 'openai-chat',
    request(turn) {
      const body = { model, messages: [{ role: 'user', content: messageText(turn) }], ...(turn.stream ? { stream: true, stream_options: { include_usage: true } } : {}) }
      return { method: 'POST', url, headers: baseHeaders(opts, turn.stream ? 'text/event-stream' : 'application/json'), body: JSON.stringify(body) }
    },
    parse(status, headers, body): ChatOutcome {
      if (status < 200 || status >= 300) return httpError(status, body)
      if (isEventStream(headers)) return readWholeStream(reader(), status, body)
      const json = parseJson(body) as Record<string, any> | undefined
      if (!json || typeof json !== 'object') return { kind: 'empty', status, detail: 'the body is not JSON' }
      if (json.error) return { kind: 'in-band-error', status, detail: describeError(json.error) }
      const choice = json.choices?.[0]
      if (choice?.finish_reason === 'content_filter' && !choice?.message?.content) return { kind: 'in-band-error', status, detail: 'finish_reason content_filter with no content' }
      return textOutcome(status, choice?.message?.content ?? undefined, { usage: readUsage(json.usage, json.model) })
    },
    streamReader: reader,
    describe: () => `POST ${url} {"model": "${model}", "messages": [...]} → choices[0].message.content (openai-chat)`,
  }
}
