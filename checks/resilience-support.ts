/**
 * Shared machinery of the resilience checks: a thin client for the mock LLM's control API, a
 * black-box client for the agent, and the attribution of the mock's LLM calls to agent requests.
 *
 * Everything here judges from the outside (HTTP status, headers, latency, and the mock's call log),
 * never from an agent's internals, so the verdicts hold for any agent whose LLM traffic goes
 * through the mock.
 */
import type { CheckContext } from '../src/check.js'

export interface MockCall {
  seq: number
  /** Epoch ms when the call arrived at the mock. */
  t: number
  endT?: number
  model: string
  scenario: string
  outcome: string
  status: number
  stream: boolean
  durationMs?: number
}

export interface MockStats {
  scenario: { name: string; params?: Record<string, unknown> } | string
  total: number
  byModel: Record<string, { total: number; byOutcome: Record<string, number> }>
  byOutcome: Record<string, number>
  calls: MockCall[]
}

/** What the agent did with one request, with the LLM calls it made while serving it. */
export interface Exchange {
  label: string
  /** HTTP status, or undefined when no response came (timeout, refused, reset). */
  status?: number
  /** Network-level failure: 'timeout', 'ECONNREFUSED', 'ECONNRESET', ... */
  error?: string
  latencyMs: number
  startedAt: number
  headers: Record<string, string>
  body: unknown
  text: string
  llmCalls: MockCall[]
  /** The mock's stats right after this request: the next sequential request's starting snapshot. */
  mockAfter?: MockStats
}

/** Thin client for the mock's control API (docs/CONTRACTS.md "Mock LLM API formats"): plain HTTP, so it works remotely. */
export class MockControl {
  constructor(
    readonly baseUrl: string,
    private readonly signal?: AbortSignal,
  ) {}

  private async call(method: string, path: string, body?: unknown): Promise<Response> {
    const signal = this.signal ? AbortSignal.any([this.signal, AbortSignal.timeout(3000)]) : AbortSignal.timeout(3000)
    const res = await fetch(new URL(path, this.baseUrl), {
      method,
      signal,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    if (!res.ok) throw new Error(`mock LLM ${method} ${path} answered ${res.status}: ${(await res.text()).slice(0, 200)}`)
    return res
  }

  async ping(): Promise<boolean> {
    try {
      await this.stats()
      return true
    } catch {
      return false
    }
  }

  async setScenario(name: string, params: Record<string, unknown> = {}): Promise<void> {
    await this.call('PUT', '/__mock/scenario', { name, ...params })
  }

  async stats(): Promise<MockStats> {
    return (await (await this.call('GET', '/__mock/stats')).json()) as MockStats
  }

  async reset(): Promise<void> {
    await this.call('POST', '/__mock/reset')
  }
}

export interface AgentTarget {
  url: string
  chatPath: string
  healthPath: string
  apiKey?: string
}

let probeCounter = 0

/** A chat message nobody has sent before, so a response cache can't hide the agent's LLM behaviour. */
export function uniqueMessage(purpose: string): string {
  probeCounter += 1
  return `Reply with one short sentence. (agentctl validate ${purpose} #${probeCounter}-${Date.now().toString(36)})`
}

export interface SendOptions {
  method?: string
  path?: string
  /** A raw body (string) or a JSON value; undefined sends no body. */
  body?: unknown
  rawBody?: string
  auth?: boolean
  timeoutMs: number
  headers?: Record<string, string>
  /** The mock's stats taken just before (saves a round trip when requests follow each other). */
  before?: MockStats
}

/** Sends one request to the agent and attributes the mock's calls made meanwhile (requests are sequential). */
export async function exchange(
  target: AgentTarget,
  mock: MockControl | undefined,
  signal: AbortSignal,
  label: string,
  opts: SendOptions,
): Promise<Exchange> {
  const before = mock ? (opts.before ?? (await mock.stats())) : undefined
  const headers: Record<string, string> = { ...opts.headers }
  if (opts.body !== undefined || opts.rawBody !== undefined) headers['content-type'] ??= 'application/json'
  if (opts.auth !== false && target.apiKey) headers.authorization = `Bearer ${target.apiKey}`
  const startedAt = Date.now()
  const t0 = performance.now()
  const result: Exchange = { label, latencyMs: 0, startedAt, headers: {}, body: undefined, text: '', llmCalls: [] }
  try {
    const res = await fetch(new URL(opts.path ?? target.chatPath, target.url), {
      method: opts.method ?? 'POST',
      headers,
      body: opts.rawBody ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body)),
      signal: AbortSignal.any([signal, AbortSignal.timeout(opts.timeoutMs)]),
    })
    result.status = res.status
    result.headers = Object.fromEntries(res.headers.entries())
    result.text = await res.text()
    try {
      result.body = JSON.parse(result.text)
    } catch {
      result.body = undefined
    }
  } catch (error) {
    if (signal.aborted) throw error
    result.error = networkError(error)
  }
  result.latencyMs = Math.round(performance.now() - t0)
  if (mock && before) {
    const after = await mock.stats()
    result.llmCalls = callsSince(before, after)
    result.mockAfter = after
  }
  return result
}

/** The calls the mock logged after a snapshot. A reset in between (seq restarts) keeps them all. */
export function callsSince(before: MockStats, after: MockStats): MockCall[] {
  if (after.total < before.total) return after.calls
  const lastSeq = before.calls.reduce((max, c) => Math.max(max, c.seq), -1)
  return after.calls.filter((c) => c.seq > lastSeq)
}

function networkError(error: unknown): string {
  const err = error as { name?: string; message?: string; cause?: { code?: string; message?: string } }
  if (err?.name === 'TimeoutError' || err?.name === 'AbortError') return 'timeout'
  return err?.cause?.code ?? err?.cause?.message ?? err?.message ?? String(error)
}

export const isSuccess = (ex: Exchange) => ex.status !== undefined && ex.status >= 200 && ex.status < 300
export const isRefused = (ex: Exchange) => ex.error === 'ECONNREFUSED'

/** Seconds or an HTTP date, as RFC 9110 allows; undefined when absent or unreadable. */
export function retryAfterMs(ex: Exchange): number | undefined {
  const value = ex.headers['retry-after']
  if (!value) return undefined
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Number(value) * 1000
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now())
}

export function callsByModel(ex: Exchange): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const c of ex.llmCalls) counts[c.model] = (counts[c.model] ?? 0) + 1
  return counts
}

/** A compact, evidence-friendly view of an exchange (no bodies of megabytes, no secrets). */
export function summarize(ex: Exchange): Record<string, unknown> {
  const models = callsByModel(ex)
  return {
    request: ex.label,
    status: ex.status ?? ex.error,
    latencyMs: ex.latencyMs,
    llmCalls: ex.llmCalls.length,
    ...(ex.llmCalls.length ? { callsByModel: models, outcomes: ex.llmCalls.map((c) => c.outcome) } : {}),
    ...(ex.headers['retry-after'] ? { retryAfter: ex.headers['retry-after'] } : {}),
  }
}

export { sleep } from '../src/sleep.js'

export type { CheckContext }
