/**
 * `a2a`: an Agent2Agent agent, found through its agent card (a2a-card.ts). One blocking send per
 * turn, in the shape of the protocol version the card announced (@a2a-js/sdk 1.3.0):
 *  - 1.0 JSON-RPC: method `SendMessage`, header `A2A-Version: 1.0`, proto-JSON message
 *    (`role: ROLE_USER`, `parts: [{text}]`); result `{task}` or `{message}`, states `TASK_STATE_*`;
 *  - 0.3 JSON-RPC: method `message/send`, `configuration.blocking: true`, `kind`-tagged message and
 *    parts; result a Task (`kind: task`, state `completed`) or a Message;
 *  - HTTP+JSON: `POST {url}/message:send` (1.0) or `{url}/v1/message:send` (0.3).
 * A JSON-RPC `error` member, or a task that ends `failed`, `rejected`, `canceled`,
 * `input-required` or `auth-required`, is a failed answer although the status is 200. The task's
 * contextId is the session.
 */
import { randomUUID } from 'node:crypto'
import { type A2aEndpoint, A2A_CARD_PATH } from './a2a-card.js'
import { describeError } from './agentctl.js'
import { baseHeaders, httpError, messageText, parseJson, textOutcome } from './common.js'
import type { ProtocolOptions } from './options.js'
import type { ChatOutcome, ChatTurn, TargetProtocol } from './types.js'
import { readUsage } from './usage.js'

export function a2aProtocol(opts: ProtocolOptions, endpoint: A2aEndpoint): TargetProtocol {
  const v1 = endpoint.version.startsWith('1.')
  const rest = endpoint.binding === 'HTTP+JSON'
  const url = rest ? `${endpoint.url.replace(/\/+$/, '')}${v1 ? '/message:send' : '/v1/message:send'}` : endpoint.url
  let rpcId = 0
  return {
    id: 'a2a',
    discovery: { url: endpoint.cardUrl, endpoint: url, binding: `${endpoint.binding} ${endpoint.version}`, name: endpoint.name, framework: 'a2a' },
    request(turn) {
      const message = v1 ? v1Message(turn) : rest ? v03ProtoMessage(turn) : v03Message(turn)
      const params = v1 ? { message } : { message, configuration: { blocking: true } }
      const body = rest ? params : { jsonrpc: '2.0', id: ++rpcId, method: v1 ? 'SendMessage' : 'message/send', params }
      const headers = { ...baseHeaders(opts), ...(v1 ? { 'A2A-Version': '1.0' } : {}) }
      return { method: 'POST', url, headers, body: JSON.stringify(body) }
    },
    parse(status, _headers, body): ChatOutcome {
      const json = parseJson(body) as Record<string, any> | undefined
      if (status < 200 || status >= 300) return httpError(status, body)
      if (!json || typeof json !== 'object') return { kind: 'empty', status, detail: 'the body is not JSON' }
      if (!rest && json.error) return { kind: 'in-band-error', status, detail: `JSON-RPC error ${describeError(json.error)}` }
      return classifyResult(status, rest ? json : json.result)
    },
    describe: () => `POST ${url} (A2A ${endpoint.binding} ${endpoint.version}, card ${endpoint.cardUrl ?? A2A_CARD_PATH})`,
  }
}

function v1Message(turn: ChatTurn) {
  return { messageId: randomUUID(), role: 'ROLE_USER', parts: [{ text: messageText(turn) }], ...(turn.session ? { contextId: turn.session } : {}) }
}

function v03Message(turn: ChatTurn) {
  return { kind: 'message', messageId: randomUUID(), role: 'user', parts: [{ kind: 'text', text: messageText(turn) }], ...(turn.session ? { contextId: turn.session } : {}) }
}

/** The 0.3 HTTP+JSON binding carries the proto-JSON message (`content` parts). */
function v03ProtoMessage(turn: ChatTurn) {
  return { messageId: randomUUID(), role: 'ROLE_USER', content: [{ text: messageText(turn) }], ...(turn.session ? { contextId: turn.session } : {}) }
}

const FAILED_STATES = new Set(['failed', 'rejected', 'canceled', 'cancelled', 'input-required', 'auth-required'])

/** `TASK_STATE_INPUT_REQUIRED` and `input-required` alike become `input-required`. */
export function taskState(state: unknown): string {
  return String(state ?? '').replace(/^TASK_STATE_/i, '').toLowerCase().replace(/_/g, '-')
}

function classifyResult(status: number, result: any): ChatOutcome {
  if (!result || typeof result !== 'object') return { kind: 'empty', status, detail: 'no result in the answer' }
  const task = result.task ?? (result.kind === 'task' || (result.status && !result.parts) ? result : undefined)
  const message = result.message ?? result.msg ?? (task ? undefined : result)
  if (task) {
    const state = taskState(task.status?.state)
    const session = typeof task.contextId === 'string' ? task.contextId : undefined
    const statusText = partsText(task.status?.message ?? task.status?.update)
    const text = [...(Array.isArray(task.artifacts) ? task.artifacts : [])].map(partsText).filter(Boolean).join('\n') || statusText
    if (FAILED_STATES.has(state)) {
      return { kind: 'in-band-error', status, detail: `the task ended in state ${state}${statusText ? `: ${statusText.slice(0, 200)}` : ''}`, ...(session ? { session } : {}), framework: 'a2a' }
    }
    if (state !== 'completed') {
      return { kind: 'in-band-error', status, detail: `a blocking send returned the task in state ${state || 'unknown'}, not completed`, ...(session ? { session } : {}), framework: 'a2a' }
    }
    return textOutcome(status, text, { session, usage: readUsage(task.metadata?.usage), framework: 'a2a' })
  }
  const session = typeof message?.contextId === 'string' ? message.contextId : undefined
  return textOutcome(status, partsText(message), { session, usage: readUsage(message?.metadata?.usage), framework: 'a2a' })
}

/** The text parts of a message or artifact (`parts` in 1.0/0.3 JSON, `content` in 0.3 proto-JSON). */
function partsText(holder: any): string {
  const parts = holder?.parts ?? holder?.content
  if (!Array.isArray(parts)) return ''
  return parts
    .map((p: any) => (typeof p?.text === 'string' ? p.text : ''))
    .filter(Boolean)
    .join('')
}
