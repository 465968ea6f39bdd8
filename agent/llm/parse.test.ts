import { describe, expect, it } from 'vitest'
import { retryAfterMs } from './client.js'
import { parseCompletion } from './parse.js'
import { readSseCompletion } from './stream.js'
import { LlmError } from './types.js'

const kindOf = (fn: () => unknown) => {
  try {
    fn()
  } catch (error) {
    return (error as LlmError).kind
  }
  return 'ok'
}
const sse = (events: string[]) =>
  new Response(events.map((e) => `data: ${e}\n\n`).join(''), { headers: { 'content-type': 'text/event-stream' } })
const chunk = (delta: object, finish: string | null = null) => JSON.stringify({ choices: [{ delta, finish_reason: finish }] })

describe('parseCompletion', () => {
  it('reads an answer, tool calls and usage', () => {
    const answer = parseCompletion({ choices: [{ message: { content: 'hi' }, finish_reason: 'stop' }], usage: { prompt_tokens: 5, completion_tokens: 1 } }, 'm')
    expect(answer).toMatchObject({ content: 'hi', finishReason: 'stop', usage: { promptTokens: 5, completionTokens: 1 } })
    const tools = parseCompletion({ choices: [{ message: { content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'calc', arguments: '{}' } }] }, finish_reason: 'tool_calls' }] }, 'm')
    expect(tools.toolCalls[0]).toEqual({ id: 'c', type: 'function', function: { name: 'calc', arguments: '{}' } })
    expect(tools.usage).toBeUndefined()
  })

  it('gives explicit outcomes for empty choices, length, content_filter, missing finish_reason', () => {
    expect(kindOf(() => parseCompletion({ choices: [] }, 'm'))).toBe('invalid_response')
    expect(kindOf(() => parseCompletion(null, 'm'))).toBe('invalid_response')
    expect(kindOf(() => parseCompletion({ choices: [{ message: { content: 'x' }, finish_reason: 'length' }] }, 'm'))).toBe('length')
    expect(kindOf(() => parseCompletion({ choices: [{ message: { content: '' }, finish_reason: 'content_filter' }] }, 'm'))).toBe('content_filter')
    expect(kindOf(() => parseCompletion({ choices: [{ message: { content: 'x' } }] }, 'm'))).toBe('invalid_response')
    expect(kindOf(() => parseCompletion({ choices: [{ message: { content: '' }, finish_reason: 'stop' }] }, 'm'))).toBe('invalid_response')
  })
})

describe('readSseCompletion', () => {
  it('joins content and tool-call fragments by index', async () => {
    const res = sse([
      chunk({ tool_calls: [{ index: 0, id: 'c1', function: { name: 'calc', arguments: '{"expr' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: 'ession":"1+1"}' } }] }),
      chunk({}, 'tool_calls'),
      JSON.stringify({ choices: [], usage: { prompt_tokens: 9, completion_tokens: 4 } }),
      '[DONE]',
    ])
    const completion = await readSseCompletion(res, 'm')
    expect(completion.toolCalls[0].function).toEqual({ name: 'calc', arguments: '{"expression":"1+1"}' })
    expect(completion.usage).toEqual({ promptTokens: 9, completionTokens: 4 })
  })

  it('fails a stream that ends without finish_reason, or carries bad JSON', async () => {
    await expect(readSseCompletion(sse([chunk({ content: 'half an ans' })]), 'm')).rejects.toMatchObject({ kind: 'invalid_response' })
    await expect(readSseCompletion(sse(['{not json']), 'm')).rejects.toMatchObject({ kind: 'invalid_response' })
  })
})

describe('retryAfterMs', () => {
  it('prefers retry-after-ms, reads seconds and HTTP dates', () => {
    expect(retryAfterMs(new Headers({ 'retry-after-ms': '250', 'retry-after': '9' }))).toBe(250)
    expect(retryAfterMs(new Headers({ 'retry-after': '2' }))).toBe(2000)
    expect(retryAfterMs(new Headers({ 'retry-after': new Date(Date.now() + 5000).toUTCString() }))).toBeGreaterThan(3000)
    expect(retryAfterMs(new Headers())).toBeUndefined()
  })
})
