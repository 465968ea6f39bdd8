/**
 * `ai-sdk`: the Vercel AI SDK's `useChat` endpoint. The request is what DefaultChatTransport sends
 * (ai/src/ui/http-chat-transport.ts: `{id, messages: UIMessage[], trigger, messageId}`); the answer
 * is a UI-message stream, SSE of JSON parts (ai/src/ui-message-stream/ui-message-chunks.ts):
 * `text-delta {delta}` is answer text, `error {errorText}` a failed answer (what
 * `toUIMessageStreamResponse()` sends when the model call fails, inside a 200), `abort` an aborted one.
 * Usage comes from message metadata when the server attaches it (`messageMetadata` option).
 */
import { randomUUID } from 'node:crypto'
import { describeError } from './agentctl.js'
import { baseHeaders, httpError, isEventStream, messageText, parseJson, readWholeStream, type StreamEventEffect, sseReader } from './common.js'
import type { ProtocolOptions } from './options.js'
import type { ChatOutcome, StreamReader, TargetProtocol } from './types.js'
import { readUsage } from './usage.js'

export function aiSdkProtocol(opts: ProtocolOptions): TargetProtocol {
  const url = new URL(opts.chatPath, opts.url).toString()
  const reader = (): StreamReader => sseReader(uiMessagePart)
  return {
    id: 'ai-sdk',
    request(turn) {
      const body = {
        id: turn.session ?? randomUUID(),
        messages: [{ id: randomUUID(), role: 'user', parts: [{ type: 'text', text: messageText(turn) }] }],
        trigger: 'submit-message',
      }
      return { method: 'POST', url, headers: baseHeaders(opts, 'text/event-stream'), body: JSON.stringify(body) }
    },
    parse(status, headers, body): ChatOutcome {
      if (status < 200 || status >= 300) return httpError(status, body)
      if (isEventStream(headers) || /^\s*data:/.test(body)) return readWholeStream(reader(), status, body)
      const json = parseJson(body) as Record<string, unknown> | undefined
      if (json && typeof json === 'object' && json.error) return { kind: 'in-band-error', status, detail: describeError(json.error) }
      return { kind: 'empty', status, detail: `the answer is not a UI-message stream (content-type ${headers['content-type'] ?? 'none'})` }
    },
    streamReader: reader,
    describe: () => `POST ${url} {"messages": UIMessage[]} → SSE UI-message stream (ai-sdk)`,
  }
}

function uiMessagePart(data: string): StreamEventEffect | undefined {
  if (data.trim() === '[DONE]') return { done: true }
  const part = parseJson(data) as Record<string, any> | undefined
  if (!part || typeof part.type !== 'string') return undefined
  const framework = 'ai-sdk'
  switch (part.type) {
    case 'text-delta':
      return { delta: typeof part.delta === 'string' ? part.delta : String(part.textDelta ?? ''), framework }
    case 'error':
      return { error: typeof part.errorText === 'string' ? part.errorText : describeError(part), framework }
    case 'abort':
      return { error: `the stream was aborted${part.reason ? `: ${part.reason}` : ''}`, framework }
    case 'tool-output-error':
      return { framework } // a failed tool is the agent's business; its answer decides
    case 'finish':
    case 'message-metadata':
    case 'start': {
      const meta = part.messageMetadata as Record<string, unknown> | undefined
      const usage = readUsage(meta?.totalUsage) ?? readUsage(meta?.usage) ?? readUsage(meta)
      return { framework, ...(usage ? { usage } : {}) }
    }
    default:
      return { framework }
  }
}
