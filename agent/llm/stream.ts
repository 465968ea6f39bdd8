/**
 * Reads an SSE `stream: true` completion into one Completion. Content and tool-call fragments
 * are joined by index; a stream that ends before any choice reported a finish_reason is a
 * truncated answer and fails (it is never returned as if complete).
 */
import { finish, invalid, usageOf } from './parse.js'
import { type Completion, LlmError, type ToolCallMessage, type Usage } from './types.js'

interface Delta {
  content?: string | null
  tool_calls?: Array<{ index?: number; id?: string; function?: { name?: string; arguments?: string } }>
}
interface Chunk {
  model?: string
  choices?: Array<{ delta?: Delta; finish_reason?: string | null }>
  usage?: Record<string, number> | null
  error?: { message?: string; code?: string }
}

export async function readSseCompletion(response: Response, model: string): Promise<Completion> {
  if (!response.body) throw invalid('the stream has no body', model)
  let content = ''
  let sawContent = false
  let finishReason: string | undefined
  let usage: Usage | undefined
  let answeredModel = model
  const calls = new Map<number, ToolCallMessage>()

  const apply = (chunk: Chunk) => {
    if (chunk.error) throw new LlmError('server', `the LLM reported an error mid-stream: ${chunk.error.message ?? chunk.error.code}`, { model })
    if (chunk.model) answeredModel = chunk.model
    usage = usageOf(chunk.usage) ?? usage
    for (const choice of chunk.choices ?? []) {
      const delta = choice.delta ?? {}
      if (typeof delta.content === 'string') {
        content += delta.content
        sawContent = true
      }
      for (const fragment of delta.tool_calls ?? []) {
        const index = fragment.index ?? 0
        const call = calls.get(index) ?? { id: '', type: 'function' as const, function: { name: '', arguments: '' } }
        if (fragment.id) call.id = fragment.id
        if (fragment.function?.name) call.function.name += fragment.function.name
        if (fragment.function?.arguments) call.function.arguments += fragment.function.arguments
        calls.set(index, call)
      }
      if (choice.finish_reason) finishReason = choice.finish_reason
    }
  }

  let buffer = ''
  let done = false
  const decoder = new TextDecoder()
  for await (const bytes of response.body) {
    buffer += decoder.decode(bytes, { stream: true })
    let boundary: number
    while (!done && (boundary = buffer.search(/\r?\n\r?\n/)) !== -1) {
      const event = buffer.slice(0, boundary)
      buffer = buffer.slice(boundary).replace(/^\r?\n\r?\n/, '')
      const data = event
        .split(/\r?\n/)
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).trimStart())
        .join('\n')
      if (data === '') continue // comments and keep-alives
      if (data === '[DONE]') {
        done = true
        break
      }
      let chunk: Chunk
      try {
        chunk = JSON.parse(data) as Chunk
      } catch {
        throw invalid('a stream event is not valid JSON', model)
      }
      apply(chunk)
    }
    if (done) break
  }
  if (!finishReason) throw invalid('the stream ended without a finish_reason (truncated)', model)
  const toolCalls = [...calls.entries()]
    .sort(([a], [b]) => a - b)
    .map(([index, call]) => ({ ...call, id: call.id || `call_${index}` }))
  return finish(finishReason, { model: answeredModel, content: sawContent ? content : null, toolCalls }, usage)
}
