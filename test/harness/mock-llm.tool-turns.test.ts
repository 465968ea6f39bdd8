import Anthropic from '@anthropic-ai/sdk'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MODES, type MockUnderTest } from './modes.js'

// A full tool turn in each API's own shapes (the call, the result sent back, the answer quoting it), and the model list.
const SCHEMA = { type: 'object' as const, properties: { expression: { type: 'string' } }, required: ['expression'] }
const fetchNow = (input: any, init: any) => globalThis.fetch(input, init)

describe.each(MODES)('SDK round trips ($mode)', ({ start }) => {
  let mock: MockUnderTest
  beforeAll(async () => {
    mock = await start({ seed: 9 })
  })
  afterAll(() => mock.close())

  it('Responses: function_call, then function_call_output, then an answer from it', async () => {
    const llm = new OpenAI({ apiKey: 'k', baseURL: mock.baseUrl, maxRetries: 0, fetch: fetchNow })
    const tools = [{ type: 'function' as const, name: 'calculator', parameters: SCHEMA, strict: false }]
    const first = await llm.responses.create({ model: 'gpt-4.1-mini', input: 'What is 12*7?', tools })
    const call = first.output.find((item) => item.type === 'function_call')!
    expect(JSON.parse(call.arguments)).toEqual({ expression: '12*7' })
    const second = await llm.responses.create({ model: 'gpt-4.1-mini', tools, input: [{ role: 'user', content: 'What is 12*7?' }, call, { type: 'function_call_output', call_id: call.call_id, output: '84' }] })
    expect(second.output_text).toBe('According to calculator: 84')
  })

  it('Messages: tool_use, then tool_result, then an answer from it', async () => {
    const llm = new Anthropic({ apiKey: 'k', baseURL: mock.baseUrl.replace(/\/v1$/, ''), maxRetries: 0, fetch: fetchNow })
    const tools = [{ name: 'calculator', input_schema: SCHEMA }]
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'What is 12*7?' }]
    const first = await llm.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 256, messages, tools })
    const use = first.content.find((block) => block.type === 'tool_use')!
    expect(first.stop_reason).toBe('tool_use')
    expect(use.input).toEqual({ expression: '12*7' })
    messages.push({ role: 'assistant', content: first.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: '84' }] })
    const second = await llm.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 256, messages, tools })
    expect(second).toMatchObject({ stop_reason: 'end_turn', content: [{ type: 'text', text: 'According to calculator: 84' }] })
  })

  it('lists models in each SDK\'s shape', async () => {
    const anthropic = new Anthropic({ apiKey: 'k', baseURL: mock.baseUrl.replace(/\/v1$/, ''), maxRetries: 0, fetch: fetchNow })
    const ids: string[] = []
    for await (const model of anthropic.models.list()) ids.push(`${model.type}:${model.id}`)
    expect(ids).toContain('model:gpt-4o-mini')
    expect((await anthropic.models.retrieve('claude-sonnet-4-5')).display_name).toBe('claude-sonnet-4-5')
    const openai = new OpenAI({ apiKey: 'k', baseURL: mock.baseUrl, maxRetries: 0, fetch: fetchNow })
    expect((await openai.models.list()).data.map((m) => m.object)).toContain('model')
  })
})
