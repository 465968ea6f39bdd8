/**
 * One attempt at an OpenAI-compatible `/chat/completions` call, JSON or SSE. Every failure becomes
 * an LlmError with a kind; retries, breakers and fallbacks live in resilience.ts and models.ts.
 *
 * `globalThis.fetch` is looked up at call time (never captured) so msw, proxies and test doubles
 * installed after start still see the traffic.
 */
import type { OpenAIToolDefinition } from '../tools/types.js'
import { invalid, parseCompletion } from './parse.js'
import { readSseCompletion } from './stream.js'
import { type HttpAnswer, postJson } from './transport.js'
import { type ChatMessage, type Completion, LlmError } from './types.js'

export interface LlmRequest {
  model: string
  messages: ChatMessage[]
  tools?: OpenAIToolDefinition[]
  stream?: boolean
  /** W3C trace context of this attempt's span, sent so the provider's trace joins the turn's. */
  traceparent?: string
}

export interface LlmEndpoint {
  baseUrl: string
  apiKey?: string
}

/**
 * `signals.attempt` carries the per-attempt deadline and also aborts when `signals.request` (the
 * caller's: chat deadline, client gone) does; it is the one fetch listens to. Telling the two apart
 * decides between a retryable timeout and giving up.
 */
export async function callChatCompletion(
  endpoint: LlmEndpoint,
  request: LlmRequest,
  signals: { attempt: AbortSignal; request: AbortSignal },
): Promise<Completion> {
  const fail = (error: unknown): never => {
    throw classifyThrown(error, signals, request.model)
  }

  const headers = {
    'content-type': 'application/json',
    accept: request.stream ? 'text/event-stream' : 'application/json',
    ...(endpoint.apiKey ? { authorization: `Bearer ${endpoint.apiKey}` } : {}),
    ...(request.traceparent ? { traceparent: request.traceparent } : {}),
  }
  const url = `${endpoint.baseUrl}/chat/completions`
  const init = { headers, body: requestBody(request), signal: signals.attempt }
  let answer: HttpAnswer
  try {
    answer = await postJson(url, init, request.stream)
  } catch (error) {
    return fail(error)
  }
  if (answer.status < 200 || answer.status > 299) throw await httpError(answer, request.model)
  try {
    if (request.stream && answer.response && answer.header('content-type')?.includes('text/event-stream')) {
      return await readSseCompletion(answer.response, request.model)
    }
    return parseCompletion(await answer.json(), request.model)
  } catch (error) {
    return fail(error)
  }
}

/** Tool definitions as JSON, serialised once per definitions array (the registry keeps one per role). */
const toolsJson = new WeakMap<object, string>()

/**
 * The request body. The tool definitions (about 2 kB, identical on every call of a role) are
 * serialised once per process and spliced in, not re-serialised on each of a chat's LLM calls.
 */
export function requestBody(request: LlmRequest): string {
  const body: Record<string, unknown> = { model: request.model, messages: request.messages }
  if (request.stream) Object.assign(body, { stream: true, stream_options: { include_usage: true } })
  const head = JSON.stringify(body)
  const tools = request.tools
  if (!tools?.length) return head
  let json = toolsJson.get(tools)
  if (json === undefined) toolsJson.set(tools, (json = JSON.stringify(tools)))
  return `${head.slice(0, -1)},"tools":${json},"tool_choice":"auto"}`
}

function classifyThrown(error: unknown, signals: { attempt: AbortSignal; request: AbortSignal }, model: string): LlmError {
  if (error instanceof LlmError) return error
  if (signals.request.aborted) return new LlmError('aborted', 'the chat request was cancelled or ran out of time', { model })
  if (signals.attempt.aborted) return new LlmError('timeout', 'no answer within LLM_TIMEOUT_MS', { model })
  if (error instanceof SyntaxError) return invalid('the body is not valid JSON', model)
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause
  // fetch wraps the socket error in `cause`; undici.request throws it as is.
  const detail = cause?.code ?? cause?.message ?? (error as { code?: string })?.code ?? (error as Error)?.message ?? String(error)
  return new LlmError('network', `connection failed: ${detail}`, { model })
}

/** Maps an HTTP error answer to a kind, reading OpenAI's error body and the retry headers. */
async function httpError(response: HttpAnswer, model: string): Promise<LlmError> {
  const text = await response.text().catch(() => '')
  let code: string | undefined
  let message = text.slice(0, 300)
  try {
    const parsed = JSON.parse(text) as { error?: { code?: string; type?: string; message?: string } }
    code = parsed.error?.code ?? parsed.error?.type
    message = parsed.error?.message ?? message
  } catch {
    // A non-JSON error body (a proxy's HTML page): keep its start as the message.
  }
  const status = response.status
  const details = { status, code, model, retryAfterMs: retryAfterMs({ get: response.header }) }
  const say = (what: string) => `LLM answered ${status}${code ? ` ${code}` : ''}: ${what || message || response.statusText}`
  if (code === 'insufficient_quota') return new LlmError('quota', say(message), details)
  if (code === 'context_length_exceeded') return new LlmError('context_length', say(message), details)
  if (code === 'content_filter' || code === 'content_policy_violation') return new LlmError('content_filter', say(message), details)
  if (status === 429) return new LlmError('rate_limited', say(message), details)
  if (status === 408 || status === 409 || status >= 500) return new LlmError('server', say(message), details)
  return new LlmError('client', say(message), details)
}

/** `retry-after-ms` (OpenAI) wins over `retry-after` (seconds or an HTTP date). */
export function retryAfterMs(headers: Pick<Headers, 'get'>): number | undefined {
  const msText = headers.get('retry-after-ms')
  const ms = Number(msText)
  if (msText !== null && msText.trim() !== '' && Number.isFinite(ms) && ms >= 0) return ms
  const value = headers.get('retry-after')
  if (value === null || value.trim() === '') return undefined
  const seconds = Number(value)
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : undefined
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now())
}
