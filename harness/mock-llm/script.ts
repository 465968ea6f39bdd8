import { hash32 } from './random.js'
import { argumentsFor } from './schema-args.js'
import { messageText } from './tokens.js'
import type { ChatMessage, ChatRequest, JsonSchema, ReplyPlan, ScriptFixture, ToolDefinition } from './types.js'

/**
 * The default script: deterministic for (seed, conversation). Tools offered and the user spoke
 * last -> call one tool with schema-valid arguments; a tool result last -> answer quoting it;
 * no tools -> a short answer derived from the user's message.
 */
export function planReply(request: ChatRequest, seed: number, scripts: CompiledScript[]): ReplyPlan {
  const lastUserIndex = findLastIndex(request.messages, (m) => m.role === 'user')
  const userText = lastUserIndex >= 0 ? messageText(request.messages[lastUserIndex]!) : ''
  const scripted = scriptedReply(request, scripts, userText, lastUserIndex, seed)
  if (scripted) return scripted
  const last = request.messages[request.messages.length - 1]
  const tools = request.tools ?? []
  if (last?.role === 'tool') return answerFromTool(request.messages, last)
  if (tools.length > 0 && last?.role === 'user' && request.tool_choice !== 'none') {
    const tool = chooseTool(tools, userText, request.tool_choice)
    return toolCallPlan(tool, userText, seed)
  }
  return textPlan(structured(request, userText) ?? answerTo(userText, request.model, seed))
}

/** JSON mode and structured outputs get JSON content (schema-valid for json_schema), as agents parse it. */
function structured(request: ChatRequest, userText: string): string | undefined {
  const format = request.response_format as { type?: string; json_schema?: { name?: string; schema?: JsonSchema } } | undefined
  if (format?.type === 'json_schema') return JSON.stringify(argumentsFor(format.json_schema?.name ?? 'response', format.json_schema?.schema, userText))
  if (format?.type === 'json_object') return JSON.stringify({ answer: answerTo(userText, request.model, 0) })
  return undefined
}

export function textPlan(content: string, finishReason: ReplyPlan['finishReason'] = 'stop'): ReplyPlan {
  return { content, toolCalls: [], finishReason }
}

export function toolCallPlan(tool: ToolDefinition, userText: string, seed: number): ReplyPlan {
  const args = argumentsFor(tool.function.name, tool.function.parameters, userText)
  return {
    content: null,
    toolCalls: [{ id: callId(tool.function.name, userText, seed), name: tool.function.name, arguments: JSON.stringify(args) }],
    finishReason: 'tool_calls',
  }
}

export function callId(name: string, text: string, seed: number): string {
  return `call_${hash32(name + '\0' + text, seed).toString(36)}${seed.toString(36)}`
}

const KEYWORD_TOOLS: Array<[RegExp, string]> = [
  [/\d|calculat/i, 'calculator'],
  [/\btime\b/i, 'current_time'],
  [/\b(sql|database|table|rows?)\b/i, 'sql_query'],
  [/\b(search|earlier|remember)\b/i, 'conversation_search'],
]

export function chooseTool(tools: ToolDefinition[], userText: string, toolChoice: ChatRequest['tool_choice']): ToolDefinition {
  if (toolChoice && typeof toolChoice === 'object') {
    const named = tools.find((t) => t.function.name === toolChoice.function.name)
    if (named) return named
  }
  for (const [pattern, name] of KEYWORD_TOOLS) {
    if (!pattern.test(userText)) continue
    const tool = tools.find((t) => t.function.name === name)
    if (tool) return tool
  }
  return tools[0]!
}

function answerFromTool(messages: ChatMessage[], last: ChatMessage): ReplyPlan {
  const call = messages.flatMap((m) => m.tool_calls ?? []).find((c) => c.id === last.tool_call_id)
  const result = messageText(last).replace(/\s+/g, ' ').trim()
  const quoted = result.length > 160 ? `${result.slice(0, 157)}...` : result
  return textPlan(`According to ${call?.function.name ?? 'the tool'}: ${quoted}`)
}

const OPENERS = ['Here is a short answer', 'In brief', 'Quick answer', 'Short version']

function answerTo(userText: string, model: string, seed: number): string {
  const topic = userText.replace(/\s+/g, ' ').trim().split(' ').slice(0, 8).join(' ')
  const opener = OPENERS[hash32(userText, seed) % OPENERS.length]
  return topic ? `${opener} about "${topic}" from ${model}.` : `${opener} from ${model}.`
}

export interface CompiledScript {
  pattern: RegExp
  model?: string
  replies: ScriptFixture['replies']
}

export function compileScripts(fixtures: ScriptFixture[] = []): CompiledScript[] {
  return fixtures.map((f) => ({
    pattern: typeof f.match === 'string' ? new RegExp(f.match, 'i') : f.match,
    model: f.model,
    replies: f.replies,
  }))
}

/** The reply index is the number of assistant turns since the matching user message: stateless. */
function scriptedReply(request: ChatRequest, scripts: CompiledScript[], userText: string, lastUserIndex: number, seed: number): ReplyPlan | undefined {
  if (scripts.length === 0 || lastUserIndex < 0) return undefined
  const script = scripts.find((s) => (!s.model || s.model === request.model) && s.pattern.test(userText))
  if (!script || script.replies.length === 0) return undefined
  const turn = request.messages.slice(lastUserIndex + 1).filter((m) => m.role === 'assistant').length
  const reply = script.replies[Math.min(turn, script.replies.length - 1)]!
  if (reply.tool_calls?.length) {
    return {
      content: reply.content ?? null,
      toolCalls: reply.tool_calls.map((c, i) => ({
        id: callId(`${c.name}#${turn}.${i}`, userText, seed),
        name: c.name,
        arguments: typeof c.arguments === 'string' ? c.arguments : JSON.stringify(c.arguments),
      })),
      finishReason: reply.finish_reason ?? 'tool_calls',
    }
  }
  return textPlan(reply.content ?? '', reply.finish_reason ?? 'stop')
}

function findLastIndex<T>(items: T[], predicate: (item: T) => boolean): number {
  for (let i = items.length - 1; i >= 0; i--) if (predicate(items[i]!)) return i
  return -1
}
