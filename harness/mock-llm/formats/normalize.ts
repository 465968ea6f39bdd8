/**
 * Responses and Messages requests mapped onto the chat shape the script, tokenizer and faults
 * read, so every fault works the same in every format. Only the fields the mock uses are mapped;
 * the first malformed one is named the way each API names it.
 */
import type { ChatMessage, ChatRequest, ToolDefinition } from '../types.js'
import type { ApiErrorSpec } from './types.js'

type Json = Record<string, any>

const invalid = (param: string, message: string, code: string | null = null): ApiErrorSpec => ({ status: 400, type: 'invalid_request_error', param, code, message })
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value)

/** Text of a content value: a string or an array of parts with `text` (input_text, output_text, text). */
function textOf(content: unknown): string {
  if (typeof content === 'string') return content
  if (!Array.isArray(content)) return ''
  return content.map((part) => (isObject(part) && typeof part.text === 'string' ? part.text : '')).join('')
}

/** OpenAI Responses: `input` (string or items), `instructions`, function `tools`, `max_output_tokens`, `text.format`. */
export function fromResponses(raw: unknown): ChatRequest | ApiErrorSpec {
  if (!isObject(raw) || typeof raw.model !== 'string' || raw.model === '') return invalid('model', "Missing required parameter: 'model'.", 'missing_required_parameter')
  const messages: ChatMessage[] = []
  if (typeof raw.instructions === 'string' && raw.instructions) messages.push({ role: 'developer', content: raw.instructions })
  if (typeof raw.input === 'string') messages.push({ role: 'user', content: raw.input })
  else if (Array.isArray(raw.input)) {
    for (const [i, item] of raw.input.entries()) {
      if (!isObject(item)) return invalid(`input[${i}]`, `Invalid value for 'input[${i}]'.`)
      if (item.type === 'function_call') {
        messages.push({ role: 'assistant', content: null, tool_calls: [{ id: String(item.call_id), type: 'function', function: { name: String(item.name), arguments: String(item.arguments ?? '') } }] })
      } else if (item.type === 'function_call_output') {
        messages.push({ role: 'tool', tool_call_id: String(item.call_id), content: typeof item.output === 'string' ? item.output : textOf(item.output) })
      } else if (typeof item.role === 'string') messages.push({ role: item.role, content: textOf(item.content) })
      // Reasoning items and other tool-call kinds carry nothing the mock's script reads.
    }
  } else if (raw.input !== undefined || (raw.previous_response_id === undefined && raw.conversation === undefined)) {
    return invalid('input', "Missing required parameter: 'input'.", 'missing_required_parameter')
  }
  const tools: ToolDefinition[] = []
  if (raw.tools !== undefined && !Array.isArray(raw.tools)) return invalid('tools', "Invalid type for 'tools': expected an array.")
  for (const [i, tool] of (raw.tools ?? []).entries()) {
    if (!isObject(tool)) return invalid(`tools[${i}]`, `Invalid value for 'tools[${i}]'.`)
    if (tool.type !== 'function') continue // hosted tools (web_search, file_search...) are never called by the mock
    if (typeof tool.name !== 'string') return invalid(`tools[${i}].name`, `Missing required parameter: 'tools[${i}].name'.`, 'missing_required_parameter')
    tools.push({ type: 'function', function: { name: tool.name, description: tool.description, parameters: tool.parameters ?? undefined } })
  }
  // The Responses API's floor (error code integer_below_min_value), unlike chat's max_tokens.
  if (typeof raw.max_output_tokens === 'number' && raw.max_output_tokens < 16) {
    return invalid('max_output_tokens', `Invalid 'max_output_tokens': integer below minimum value. Expected a value >= 16, but got ${raw.max_output_tokens} instead.`, 'integer_below_min_value')
  }
  const choice = raw.tool_choice
  const format = isObject(raw.text) && isObject(raw.text.format) ? raw.text.format : undefined
  return {
    model: raw.model,
    messages,
    stream: raw.stream === true,
    ...(tools.length > 0 && { tools }),
    tool_choice: isObject(choice) && choice.type === 'function' ? { type: 'function', function: { name: String(choice.name) } } : typeof choice === 'string' ? (choice as ChatRequest['tool_choice']) : undefined,
    max_tokens: typeof raw.max_output_tokens === 'number' ? raw.max_output_tokens : undefined,
    ...(format?.type === 'json_schema' && { response_format: { type: 'json_schema', json_schema: { name: format.name, schema: format.schema } } }),
    ...(format?.type === 'json_object' && { response_format: { type: 'json_object' } }),
  }
}

/** Anthropic Messages: `system`, `messages` with text/tool_use/tool_result blocks, `tools` with input_schema, `max_tokens`. */
export function fromMessages(raw: unknown): ChatRequest | ApiErrorSpec {
  if (!isObject(raw) || typeof raw.model !== 'string' || raw.model === '') return invalid('model', 'model: Field required')
  if (typeof raw.max_tokens !== 'number') return invalid('max_tokens', 'max_tokens: Field required')
  if (!Array.isArray(raw.messages)) return invalid('messages', 'messages: Field required')
  if (raw.messages.length === 0) return invalid('messages', 'messages: at least one message is required')
  const messages: ChatMessage[] = []
  const system = textOf(raw.system)
  if (system) messages.push({ role: 'system', content: system })
  for (const [i, message] of raw.messages.entries()) {
    if (!isObject(message) || (message.role !== 'user' && message.role !== 'assistant')) return invalid(`messages.${i}.role`, `messages.${i}.role: Input should be 'user' or 'assistant'`)
    const blocks: Json[] = typeof message.content === 'string' ? [{ type: 'text', text: message.content }] : Array.isArray(message.content) ? message.content.filter(isObject) : []
    const text = blocks.filter((b) => b.type === 'text').map((b) => String(b.text ?? '')).join('')
    if (message.role === 'assistant') {
      const calls = blocks.filter((b) => b.type === 'tool_use').map((b) => ({ id: String(b.id), type: 'function' as const, function: { name: String(b.name), arguments: JSON.stringify(b.input ?? {}) } }))
      messages.push({ role: 'assistant', content: text || null, ...(calls.length > 0 && { tool_calls: calls }) })
      continue
    }
    if (text) messages.push({ role: 'user', content: text })
    // Tool results last: the script answers from a tool result when it is the newest message.
    for (const result of blocks.filter((b) => b.type === 'tool_result')) messages.push({ role: 'tool', tool_call_id: String(result.tool_use_id), content: textOf(result.content) })
  }
  const tools: ToolDefinition[] = []
  if (raw.tools !== undefined && !Array.isArray(raw.tools)) return invalid('tools', 'tools: Input should be a valid list')
  for (const [i, tool] of (raw.tools ?? []).entries()) {
    if (!isObject(tool) || typeof tool.name !== 'string') return invalid(`tools.${i}.name`, `tools.${i}.name: Field required`)
    // Server tools (web_search, bash...) have a type and no input_schema; the mock never calls them.
    if (tool.input_schema === undefined && tool.type !== undefined && tool.type !== 'custom') continue
    tools.push({ type: 'function', function: { name: tool.name, description: tool.description, parameters: tool.input_schema } })
  }
  const choice = isObject(raw.tool_choice) ? raw.tool_choice : undefined
  return {
    model: raw.model,
    messages,
    stream: raw.stream === true,
    ...(tools.length > 0 && { tools }),
    tool_choice: choice?.type === 'tool' ? { type: 'function', function: { name: String(choice.name) } } : choice?.type === 'any' ? 'required' : choice?.type === 'none' ? 'none' : undefined,
    max_tokens: raw.max_tokens,
  }
}
