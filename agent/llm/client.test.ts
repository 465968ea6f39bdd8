import { describe, expect, it } from 'vitest'
import { requestBody } from './client.js'

const tools = [{ type: 'function' as const, function: { name: 'calculator', description: 'math "quoted"', parameters: { type: 'object', properties: { expression: { type: 'string' } } } } }]
const messages = [{ role: 'user' as const, content: 'what is 2 + 2? \u2028 "x"' }]

describe('requestBody', () => {
  it('is the same JSON as serialising the whole request, with the tool definitions spliced in', () => {
    expect(JSON.parse(requestBody({ model: 'm', messages, tools }))).toEqual({ model: 'm', messages, tools, tool_choice: 'auto' })
    // Second call with the same definitions array: served from the per-process cache, same result.
    expect(JSON.parse(requestBody({ model: 'n', messages, tools }))).toEqual({ model: 'n', messages, tools, tool_choice: 'auto' })
    expect(JSON.parse(requestBody({ model: 'm', messages, tools, stream: true }))).toEqual({
      model: 'm',
      messages,
      stream: true,
      stream_options: { include_usage: true },
      tools,
      tool_choice: 'auto',
    })
  })

  it('sends no tools and no tool_choice when there are none', () => {
    expect(JSON.parse(requestBody({ model: 'm', messages, tools: [] }))).toEqual({ model: 'm', messages })
    expect(JSON.parse(requestBody({ model: 'm', messages }))).toEqual({ model: 'm', messages })
  })
})
