/** Validation of the provider's answer: anything off-contract becomes an LlmError, never a crash. */
import { type Completion, LlmError, type ToolCallMessage, type Usage } from './types.js'

/** Validates a non-streamed body; anything off-contract is an invalid response, never a crash. */
export function parseCompletion(json: unknown, model: string): Completion {
  const body = json as { model?: string; choices?: unknown[]; usage?: Record<string, number> } | null
  if (!body || typeof body !== 'object') throw invalid('the body is not a JSON object', model)
  if (!Array.isArray(body.choices) || body.choices.length === 0) throw invalid('the response has no choices', model)
  const choice = body.choices[0] as { finish_reason?: string | null; message?: { content?: unknown; tool_calls?: unknown } }
  const message = choice?.message
  if (!message || typeof message !== 'object') throw invalid('choices[0].message is missing', model)
  const toolCalls = normaliseToolCalls(message.tool_calls, model)
  return finish(
    choice.finish_reason ?? undefined,
    { model: body.model ?? model, content: typeof message.content === 'string' ? message.content : null, toolCalls },
    usageOf(body.usage),
  )
}

/** Applies finish_reason: `length` and `content_filter` are explicit failures, a missing one is invalid. */
export function finish(reason: string | undefined, partial: Omit<Completion, 'finishReason' | 'usage'>, usage?: Usage): Completion {
  const { model } = partial
  // The provider bills these calls: their usage travels with the error so the budget counts it.
  if (reason === 'length') throw new LlmError('length', 'the model stopped at its output token limit (finish_reason: length)', { model, usage })
  if (reason === 'content_filter') throw new LlmError('content_filter', 'the provider filtered the answer (finish_reason: content_filter)', { model, usage })
  if (!reason) throw invalid('the response has no finish_reason', model)
  if (partial.toolCalls.length > 0) return { ...partial, finishReason: 'tool_calls', usage }
  if (partial.content === null || partial.content === '') throw invalid('the answer is empty: no content and no tool calls', model)
  return { ...partial, finishReason: 'stop', usage }
}

export function usageOf(usage: Record<string, number> | undefined | null): Usage | undefined {
  if (!usage || typeof usage.prompt_tokens !== 'number') return undefined
  return { promptTokens: usage.prompt_tokens, completionTokens: usage.completion_tokens ?? 0 }
}

function normaliseToolCalls(raw: unknown, model: string): ToolCallMessage[] {
  if (raw === undefined || raw === null) return []
  if (!Array.isArray(raw)) throw invalid('tool_calls is not an array', model)
  return raw.map((call: { id?: unknown; function?: { name?: unknown; arguments?: unknown } }, index) => {
    if (typeof call?.function?.name !== 'string') throw invalid(`tool_calls[${index}] has no function name`, model)
    const args = call.function.arguments
    return {
      id: typeof call.id === 'string' && call.id ? call.id : `call_${index}`,
      type: 'function' as const,
      function: { name: call.function.name, arguments: typeof args === 'string' ? args : JSON.stringify(args ?? {}) },
    }
  })
}

export const invalid = (why: string, model: string) => new LlmError('invalid_response', `invalid LLM response: ${why}`, { model })
