import { describe, expect, it } from 'vitest'
import { pickEndpoint } from './a2a-card.js'
import { a2aProtocol } from './a2a.js'
import { agentctlProtocol } from './agentctl.js'
import { aiSdkProtocol } from './ai-sdk.js'
import { httpProtocol, renderTemplate } from './http.js'
import { openaiChatProtocol } from './openai-chat.js'
import { readUsage } from './usage.js'

const base = { url: 'http://127.0.0.1:9', chatPath: '/chat' }
const json = { 'content-type': 'application/json' }
const sse = { 'content-type': 'text/event-stream' }
const events = (...data: unknown[]) => data.map((d) => `data: ${typeof d === 'string' ? d : JSON.stringify(d)}\n\n`).join('')

describe('agentctl protocol', () => {
  const p = agentctlProtocol({ ...base, apiKey: 'k' })
  it('sends {message, session_id} with the marker in the text and the bearer token', () => {
    const req = p.request({ message: 'hi "you"', marker: 'chk-1234', session: 's1' })
    expect(req.url).toBe('http://127.0.0.1:9/chat')
    expect(JSON.parse(req.body!)).toEqual({ message: 'hi "you" [agentctl:chk-1234]', session_id: 's1' })
    expect(req.headers.authorization).toBe('Bearer k')
  })
  it('refuses a marker outside the contract', () => {
    expect(() => p.request({ message: 'x', marker: 'UPPER' })).toThrow(/4-40 characters/)
  })
  it('classifies answer, empty answer, in-band error and status', () => {
    const answer = p.parse(200, json, JSON.stringify({ response: 'ok', session_id: 's', model: 'm', usage: { prompt_tokens: 3, completion_tokens: 4, cost_usd: 0.1 } }))
    expect(answer).toEqual({ kind: 'answer', status: 200, text: 'ok', session: 's', usage: { inputTokens: 3, outputTokens: 4, model: 'm', costUsd: 0.1 } })
    expect(p.parse(200, json, JSON.stringify({ response: '' })).kind).toBe('empty')
    expect(p.parse(200, json, JSON.stringify({ response: '   ' })).kind).toBe('empty')
    expect(p.parse(200, json, JSON.stringify({ error: { message: 'LLM down' } }))).toMatchObject({ kind: 'in-band-error', detail: 'LLM down' })
    expect(p.parse(502, json, JSON.stringify({ error: { message: 'upstream failed' } }))).toEqual({ kind: 'http-error', status: 502, detail: 'upstream failed' })
  })
})

describe('openai-chat protocol', () => {
  const p = openaiChatProtocol({ ...base, chatPath: '/v1/chat/completions', model: 'my-agent' })
  it('sends messages[] and asks for a stream when told', () => {
    const body = JSON.parse(p.request({ message: 'hi', stream: true }).body!)
    expect(body).toMatchObject({ model: 'my-agent', messages: [{ role: 'user', content: 'hi' }], stream: true })
  })
  it('reads choices[0].message.content; a 200 with an error member is a failed answer', () => {
    expect(p.parse(200, json, JSON.stringify({ choices: [{ message: { content: 'yes' } }], usage: { prompt_tokens: 1, completion_tokens: 2 } }))).toMatchObject({ kind: 'answer', text: 'yes', usage: { inputTokens: 1, outputTokens: 2 } })
    expect(p.parse(200, json, JSON.stringify({ choices: [{ message: { content: null } }] })).kind).toBe('empty')
    expect(p.parse(200, json, JSON.stringify({ error: { message: 'rate limited', code: 429 } }))).toMatchObject({ kind: 'in-band-error', detail: '429: rate limited' })
  })
  it('reads an SSE stream of deltas; an error event fails it; TTFT deltas come out of push()', () => {
    const reader = p.streamReader!()
    expect(reader.push(events({ choices: [{ delta: { role: 'assistant' } }] }))).toEqual([])
    expect(reader.push(events({ choices: [{ delta: { content: 'He' } }] }, { choices: [{ delta: { content: 'llo' } }] }))).toEqual(['He', 'llo'])
    reader.push(events({ choices: [], usage: { prompt_tokens: 5, completion_tokens: 2 } }, '[DONE]'))
    expect(reader.end(200)).toMatchObject({ kind: 'answer', text: 'Hello', usage: { inputTokens: 5, outputTokens: 2 } })
    expect(p.parse(200, sse, events({ choices: [{ delta: { content: 'x' } }] }, { error: { message: 'boom' } }))).toMatchObject({ kind: 'in-band-error', detail: 'boom' })
    expect(p.parse(200, sse, events('[DONE]')).kind).toBe('empty')
  })
})

describe('ai-sdk protocol', () => {
  const p = aiSdkProtocol({ ...base, chatPath: '/api/chat' })
  it('sends what useChat sends: {id, messages: UIMessage[], trigger}', () => {
    const body = JSON.parse(p.request({ message: 'hi', marker: 'abcd' }).body!)
    expect(body.trigger).toBe('submit-message')
    expect(body.messages[0]).toMatchObject({ role: 'user', parts: [{ type: 'text', text: 'hi [agentctl:abcd]' }] })
  })
  it('text-delta parts are the answer; an error part inside the 200 is a failed answer', () => {
    const ok = events({ type: 'start' }, { type: 'start-step' }, { type: 'text-start', id: '0' }, { type: 'text-delta', id: '0', delta: 'Hi' }, { type: 'text-end', id: '0' }, { type: 'finish-step' }, { type: 'finish', messageMetadata: { totalUsage: { inputTokens: 7, outputTokens: 3 } } }, '[DONE]')
    expect(p.parse(200, sse, ok)).toEqual({ kind: 'answer', status: 200, text: 'Hi', usage: { inputTokens: 7, outputTokens: 3 }, framework: 'ai-sdk' })
    const failed = events({ type: 'start' }, { type: 'start-step' }, { type: 'error', errorText: 'An error occurred.' }, '[DONE]')
    expect(p.parse(200, sse, failed)).toMatchObject({ kind: 'in-band-error', detail: 'An error occurred.' })
    expect(p.parse(200, sse, events({ type: 'start' }, { type: 'finish' }, '[DONE]')).kind).toBe('empty')
    expect(p.parse(200, sse, events({ type: 'abort', reason: 'client' })).kind).toBe('in-band-error')
  })
  it('a JSON answer is not a UI-message stream', () => {
    expect(p.parse(200, json, '{"text":"hi"}')).toMatchObject({ kind: 'empty', detail: expect.stringMatching(/not a UI-message stream/) })
  })
})

describe('http (custom) protocol', () => {
  it('renders the template JSON-escaped; a missing session drops an exact placeholder', () => {
    expect(JSON.parse(renderTemplate({ input: { text: '{{message}}' }, thread: '{{session}}', note: 'q: {{message}}' }, { message: 'a "b"\n' }))).toEqual({ input: { text: 'a "b"\n' }, note: 'q: a "b"\n' })
    expect(JSON.parse(renderTemplate('{"q": "{{message}}", "s": "{{session}}"}', { message: 'x"y', session: 's1' }))).toEqual({ q: 'x"y', s: 's1' })
  })
  const p = httpProtocol({ ...base, bodyTemplate: { input: '{{message}}' }, response: { text: '$.output.text', error: '$.error', session: '$.thread', usage: '$.usage', delta: '$.delta', streamError: '$.err' } })
  it('finds text, session, usage and an in-band error by JSONPath', () => {
    expect(p.parse(200, json, JSON.stringify({ output: { text: 'ok' }, thread: 't', usage: { input_tokens: 2, output_tokens: 1 }, error: null }))).toEqual({ kind: 'answer', status: 200, text: 'ok', session: 't', usage: { inputTokens: 2, outputTokens: 1 } })
    expect(p.parse(200, json, JSON.stringify({ output: { text: 'partial' }, error: 'LLM timeout' }))).toMatchObject({ kind: 'in-band-error', detail: 'LLM timeout' })
    expect(p.parse(200, json, JSON.stringify({ output: {} })).kind).toBe('empty')
  })
  it('reads SSE with the delta path', () => {
    expect(p.parse(200, sse, events({ delta: 'a' }, { delta: 'b' }))).toMatchObject({ kind: 'answer', text: 'ab' })
    expect(p.parse(200, sse, events({ delta: 'a' }, { err: 'quota' }))).toMatchObject({ kind: 'in-band-error', detail: 'quota' })
  })
})

describe('a2a protocol', () => {
  const v1Card = { name: 'Echo', supportedInterfaces: [{ url: 'http://127.0.0.1:9/a2a/jsonrpc', protocolBinding: 'JSONRPC', protocolVersion: '1.0' }, { url: 'http://127.0.0.1:9/a2a/rest', protocolBinding: 'HTTP+JSON', protocolVersion: '1.0' }] }
  const legacyCard = { name: 'Old', url: 'http://127.0.0.1:9/', protocolVersion: '0.3.0', preferredTransport: 'JSONRPC' }
  it('picks the preferred interface from either card generation, never gRPC', () => {
    expect(pickEndpoint(v1Card, 'c')).toMatchObject({ url: 'http://127.0.0.1:9/a2a/jsonrpc', binding: 'JSONRPC', version: '1.0' })
    expect(pickEndpoint(legacyCard, 'c')).toMatchObject({ url: 'http://127.0.0.1:9/', binding: 'JSONRPC', version: '0.3.0' })
    expect(pickEndpoint({ url: 'x', preferredTransport: 'GRPC', additionalInterfaces: [{ url: 'http://h/rest', transport: 'HTTP+JSON' }] }, 'c')).toMatchObject({ binding: 'HTTP+JSON', url: 'http://h/rest' })
    expect(() => pickEndpoint({ url: 'x', preferredTransport: 'GRPC' }, 'c')).toThrow(/no JSON-RPC or HTTP\+JSON interface/)
  })
  it('1.0 JSON-RPC: SendMessage with A2A-Version; completed task text from artifacts; contextId is the session', () => {
    const p = a2aProtocol(base, pickEndpoint(v1Card, 'card'))
    const req = p.request({ message: 'hi', marker: 'a2a-1', session: 'ctx' })
    expect(req.headers['A2A-Version']).toBe('1.0')
    expect(JSON.parse(req.body!)).toMatchObject({ jsonrpc: '2.0', method: 'SendMessage', params: { message: { role: 'ROLE_USER', parts: [{ text: 'hi [agentctl:a2a-1]' }], contextId: 'ctx' } } })
    const done = { jsonrpc: '2.0', id: 1, result: { task: { id: 't', contextId: 'c1', status: { state: 'TASK_STATE_COMPLETED' }, artifacts: [{ parts: [{ text: 'answer' }] }] } } }
    expect(p.parse(200, json, JSON.stringify(done))).toMatchObject({ kind: 'answer', text: 'answer', session: 'c1' })
    const failed = { jsonrpc: '2.0', id: 1, result: { task: { id: 't', contextId: 'c1', status: { state: 'TASK_STATE_FAILED', message: { role: 'ROLE_AGENT', parts: [{ text: 'LLM call failed: 500' }] } } } } }
    expect(p.parse(200, json, JSON.stringify(failed))).toMatchObject({ kind: 'in-band-error', detail: 'the task ended in state failed: LLM call failed: 500' })
    const inputRequired = { jsonrpc: '2.0', id: 1, result: { task: { status: { state: 'TASK_STATE_INPUT_REQUIRED' } } } }
    expect(p.parse(200, json, JSON.stringify(inputRequired))).toMatchObject({ kind: 'in-band-error', detail: expect.stringContaining('input-required') })
    expect(p.parse(200, json, JSON.stringify({ jsonrpc: '2.0', id: 1, error: { code: -32603, message: 'Internal error' } }))).toMatchObject({ kind: 'in-band-error', detail: 'JSON-RPC error -32603: Internal error' })
    expect(p.parse(200, json, JSON.stringify({ jsonrpc: '2.0', id: 1, result: { message: { role: 'ROLE_AGENT', parts: [{ text: '' }] } } })).kind).toBe('empty')
  })
  it('0.3 JSON-RPC: message/send, blocking, kind-tagged; lower-case states', () => {
    const p = a2aProtocol(base, pickEndpoint(legacyCard, 'card'))
    const body = JSON.parse(p.request({ message: 'hi' }).body!)
    expect(body).toMatchObject({ method: 'message/send', params: { configuration: { blocking: true }, message: { kind: 'message', role: 'user', parts: [{ kind: 'text', text: 'hi' }] } } })
    expect(p.request({ message: 'hi' }).headers['A2A-Version']).toBeUndefined()
    expect(p.parse(200, json, JSON.stringify({ jsonrpc: '2.0', id: 1, result: { kind: 'message', contextId: 'c', parts: [{ kind: 'text', text: 'hello' }] } }))).toMatchObject({ kind: 'answer', text: 'hello', session: 'c' })
    expect(p.parse(200, json, JSON.stringify({ jsonrpc: '2.0', id: 1, result: { kind: 'task', status: { state: 'rejected' } } })).kind).toBe('in-band-error')
  })
  it('HTTP+JSON 1.0: POST {url}/message:send; a non-2xx problem is that status', () => {
    const p = a2aProtocol(base, pickEndpoint({ supportedInterfaces: [v1Card.supportedInterfaces[1]] }, 'card'))
    const req = p.request({ message: 'hi' })
    expect(req.url).toBe('http://127.0.0.1:9/a2a/rest/message:send')
    expect(JSON.parse(req.body!)).toMatchObject({ message: { role: 'ROLE_USER' } })
    expect(p.parse(200, json, JSON.stringify({ task: { status: { state: 'TASK_STATE_COMPLETED' }, artifacts: [{ parts: [{ text: 'ok' }] }] } })).kind).toBe('answer')
    expect(p.parse(500, json, JSON.stringify({ title: 'Internal', detail: 'boom' }))).toMatchObject({ kind: 'http-error', status: 500 })
  })
})

describe('usage shapes', () => {
  it('reads every common shape and says nothing (undefined) when there is none', () => {
    expect(readUsage({ prompt_tokens: 1, completion_tokens: 2 })).toEqual({ inputTokens: 1, outputTokens: 2 })
    expect(readUsage({ input_tokens: 3, output_tokens: 4 })).toEqual({ inputTokens: 3, outputTokens: 4 })
    expect(readUsage({ inputTokens: 5, outputTokens: 6 })).toEqual({ inputTokens: 5, outputTokens: 6 })
    expect(readUsage({ inputTokens: { total: 7, noCache: 7 }, outputTokens: { total: 8 } })).toEqual({ inputTokens: 7, outputTokens: 8 })
    expect(readUsage({ total: 3 })).toBeUndefined()
    expect(readUsage(undefined)).toBeUndefined()
  })
})
