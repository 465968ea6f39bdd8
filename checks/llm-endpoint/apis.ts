/**
 * The three LLM APIs the check can probe (dependencies.llm.api), each with its auth headers, its
 * smallest capped request (one output token) and the shape a real answer has. The request shapes
 * follow each vendor's API reference, the same ones harness/mock-llm/formats serves.
 */
export type LlmApi = 'chat' | 'responses' | 'messages'

export interface ApiProbe {
  /** 'POST /responses': what findings call it. */
  label: string
  path: string
  headers(apiKey: string | undefined): Record<string, string>
  body(model: string): unknown
  /** Why a 2xx body is not this API's answer, or undefined when it is. */
  wrongShape(body: string): string | undefined
}

const bearer = (apiKey: string | undefined): Record<string, string> => (apiKey ? { authorization: `Bearer ${apiKey}` } : {})
const PING = 'ping'

function parsed(body: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(body) as unknown
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

export const API_PROBES: Record<LlmApi, ApiProbe> = {
  chat: {
    label: 'POST /chat/completions',
    path: '/chat/completions',
    headers: bearer,
    body: (model) => ({ model, messages: [{ role: 'user', content: PING }], max_tokens: 1 }),
    wrongShape: (body) => (Array.isArray(parsed(body)?.choices) ? undefined : 'no "choices" array, so not a Chat Completions answer'),
  },
  responses: {
    label: 'POST /responses',
    path: '/responses',
    headers: bearer,
    // 16 is the Responses API's smallest max_output_tokens; the reply is still a handful of tokens.
    body: (model) => ({ model, input: PING, max_output_tokens: 16 }),
    wrongShape: (body) => {
      const json = parsed(body)
      return json?.object === 'response' && Array.isArray(json.output) ? undefined : 'no object "response" with an "output" array, so not a Responses API answer'
    },
  },
  messages: {
    label: 'POST /messages',
    path: '/messages',
    // Anthropic authenticates with x-api-key and requires the version header on every call.
    headers: (apiKey) => ({ 'anthropic-version': '2023-06-01', ...(apiKey ? { 'x-api-key': apiKey } : {}) }),
    body: (model) => ({ model, max_tokens: 1, messages: [{ role: 'user', content: PING }] }),
    wrongShape: (body) => (parsed(body)?.type === 'message' ? undefined : 'no type "message", so not an Anthropic Messages answer'),
  },
}

/** A 404 that names a model (OpenAI model_not_found, Anthropic "model: …") rather than a missing route. */
export function isModelNotFound(body: string): boolean {
  const error = parsed(body)?.error as { code?: unknown; type?: unknown; message?: unknown } | undefined
  if (!error || typeof error !== 'object') return false
  return error.code === 'model_not_found' || /\bmodel\b/i.test(String(error.message ?? ''))
}
