import Anthropic from '@anthropic-ai/sdk'
import OpenAI from 'openai'

/** What one SDK call ended with, in terms comparable across the three APIs. */
export interface Observed {
  /** The thrown error's class name (RateLimitError, OverloadedError, SyntaxError...), when it threw. */
  error?: string
  status?: number
  message?: string
  /** chat: finish_reason; responses: status[:incomplete reason]; messages: stop_reason. null: none came. */
  finish?: string | null
  text?: string
  /** The first tool call's name and raw arguments (Anthropic: the input object as JSON). */
  tool?: { name: string; args: string }
  /** Streams only: whether the closing event came (finish_reason chunk, response.completed/incomplete, message_stop). */
  closed?: boolean
}

export interface CallOptions {
  tools: boolean
  maxOutputTokens?: number
  maxRetries: number
  timeoutMs: number
}

export const METHODS = ['chat.completions.create', 'chat.completions.create stream', 'responses.create', 'responses.stream', 'messages.create', 'messages.stream'] as const
export type Method = (typeof METHODS)[number]
export const apiOf = (method: Method) => (method.startsWith('chat') ? 'chat' : method.startsWith('responses') ? 'responses' : 'messages')

const PROMPT = 'What is 6*7? Explain the steps briefly.'
const SCHEMA = { type: 'object', properties: { expression: { type: 'string' } }, required: ['expression'], additionalProperties: false }

/** Drives one official-SDK method against the mock at `root` (http://host:port, no /v1). */
export async function drive(method: Method, root: string, options: CallOptions): Promise<Observed> {
  // fetch looked up at call time so msw's patch (in-process mode) is always seen.
  const common = { apiKey: 'sk-test-not-a-real-key', maxRetries: options.maxRetries, timeout: options.timeoutMs, fetch: (input: any, init: any) => globalThis.fetch(input, init) }
  try {
    if (apiOf(method) === 'chat') return await chat(new OpenAI({ ...common, baseURL: `${root}/v1` }), method.endsWith('stream'), options)
    if (apiOf(method) === 'responses') return await responses(new OpenAI({ ...common, baseURL: `${root}/v1` }), method.endsWith('stream'), options)
    return await messages(new Anthropic({ ...common, baseURL: root }), method.endsWith('stream'), options)
  } catch (error) {
    const e = error as { status?: number; message?: string; constructor: { name: string } }
    return { error: e.constructor.name, ...(e.status !== undefined && { status: e.status }), message: e.message }
  }
}

async function chat(client: OpenAI, stream: boolean, o: CallOptions): Promise<Observed> {
  const tools = o.tools ? [{ type: 'function' as const, function: { name: 'calculator', parameters: SCHEMA } }] : undefined
  const params = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: PROMPT }], tools, max_tokens: o.maxOutputTokens }
  if (!stream) {
    const r = await client.chat.completions.create(params)
    const choice = r.choices[0]
    const call = choice?.message.tool_calls?.[0] as OpenAI.ChatCompletionMessageFunctionToolCall | undefined
    return { finish: choice?.finish_reason ?? null, text: choice?.message.content ?? '', ...(call && { tool: { name: call.function.name, args: call.function.arguments } }) }
  }
  let text = ''
  let finish: string | null = null
  let tool: { name: string; args: string } | undefined
  for await (const chunk of await client.chat.completions.create({ ...params, stream: true })) {
    const choice = chunk.choices[0]
    text += choice?.delta.content ?? ''
    const call = choice?.delta.tool_calls?.[0]
    if (call?.function?.name) tool = { name: call.function.name, args: '' }
    if (tool && call?.function?.arguments) tool.args += call.function.arguments
    finish = choice?.finish_reason ?? finish
  }
  return { finish, text, closed: finish !== null, ...(tool && { tool }) }
}

function responsesFinish(r: OpenAI.Responses.Response): string {
  return r.incomplete_details?.reason ? `${r.status}:${r.incomplete_details.reason}` : String(r.status)
}

async function responses(client: OpenAI, stream: boolean, o: CallOptions): Promise<Observed> {
  const tools = o.tools ? [{ type: 'function' as const, name: 'calculator', parameters: SCHEMA, strict: false }] : undefined
  const params = { model: 'gpt-4.1-mini', instructions: 'Be brief.', input: PROMPT, tools, max_output_tokens: o.maxOutputTokens }
  let closed: boolean | undefined
  let r: OpenAI.Responses.Response
  if (stream) {
    const events = client.responses.stream(params)
    closed = false
    for await (const event of events) if (event.type === 'response.completed' || event.type === 'response.incomplete') closed = true
    r = await events.finalResponse()
  } else r = await client.responses.create(params)
  const call = r.output.find((item) => item.type === 'function_call')
  return { finish: responsesFinish(r), text: r.output_text, ...(closed !== undefined && { closed }), ...(call && { tool: { name: call.name, args: call.arguments } }) }
}

async function messages(client: Anthropic, stream: boolean, o: CallOptions): Promise<Observed> {
  const tools = o.tools ? [{ name: 'calculator', input_schema: SCHEMA as Anthropic.Tool.InputSchema }] : undefined
  const params = { model: 'claude-sonnet-4-5', max_tokens: o.maxOutputTokens ?? 1024, system: 'Be brief.', messages: [{ role: 'user' as const, content: PROMPT }], tools }
  let m: Anthropic.Message
  let closed: boolean | undefined
  if (stream) {
    const events = client.messages.stream(params)
    closed = false
    for await (const event of events) if (event.type === 'message_stop') closed = true
    m = await events.finalMessage()
  } else m = await client.messages.create(params)
  const text = m.content.map((b) => (b.type === 'text' ? b.text : '')).join('')
  const call = m.content.find((b) => b.type === 'tool_use')
  return { finish: m.stop_reason, text, ...(closed !== undefined && { closed }), ...(call && { tool: { name: call.name, args: JSON.stringify(call.input) } }) }
}
