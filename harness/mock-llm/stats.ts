import type { LlmApi } from './formats/types.js'
import type { Outcome } from './types.js'

export interface CallRecord {
  seq: number
  /** Epoch ms when the request arrived. */
  t: number
  /** Epoch ms when the answer finished (streams: the last byte; hang: the client's abort). */
  endT?: number
  /** The API the call used; 'unserved' for a route the mock does not serve (answered 404). */
  api: LlmApi | 'unserved'
  method: string
  /** The request path without its query: '/v1/responses'. */
  path: string
  /** The attribution marker found in the user-visible text, `[agentctl:<id>]` (docs/CONTRACTS.md #2). */
  marker?: string
  model: string
  /** The fault that decided the call ('healthy' when none did), prefixed by any that only shaped it: 'slow+error-storm'. */
  scenario: string
  outcome: Outcome
  /** HTTP status; 0 when no response was sent (hang, connection reset). */
  status: number
  stream: boolean
  durationMs?: number
}

type Counts = { total: number; byModel: Map<string, { total: number; byOutcome: Partial<Record<Outcome, number>> }>; byOutcome: Partial<Record<Outcome, number>>; byApi: Partial<Record<CallRecord['api'], number>> }

export interface MockLlmStats {
  scenario: { name: string; params: Record<string, unknown> }
  /** Calls to the LLM APIs the mock serves. Calls to unserved routes are counted apart (`unserved`). */
  total: number
  /** Calls to routes the mock does not serve (each one is in `calls` with api 'unserved'). */
  unserved: number
  byApi: Partial<Record<CallRecord['api'], number>>
  byModel: Record<string, { total: number; byOutcome: Partial<Record<Outcome, number>> }>
  byOutcome: Partial<Record<Outcome, number>>
  /** Only this marker's calls were counted (GET /__mock/stats?marker=<id>). */
  marker?: string
  calls: CallRecord[]
}

const MAX_CALLS = 10_000

const emptyCounts = (): Counts => ({ total: 0, byModel: new Map(), byOutcome: {}, byApi: {} })

function count(counts: Counts, call: CallRecord): void {
  counts.byApi[call.api] = (counts.byApi[call.api] ?? 0) + 1
  if (call.api === 'unserved') return
  counts.total++
  counts.byOutcome[call.outcome] = (counts.byOutcome[call.outcome] ?? 0) + 1
  let model = counts.byModel.get(call.model)
  if (!model) counts.byModel.set(call.model, (model = { total: 0, byOutcome: {} }))
  model.total++
  model.byOutcome[call.outcome] = (model.byOutcome[call.outcome] ?? 0) + 1
}

/** Counters plus a ring buffer of the last 10 000 calls (no array shifting on the hot path). */
export class StatsRecorder {
  private ring: CallRecord[] = []
  private next = 0
  private counts = emptyCounts()

  record(call: CallRecord): CallRecord {
    if (this.ring.length < MAX_CALLS) this.ring.push(call)
    else this.ring[this.next] = call
    this.next = (this.next + 1) % MAX_CALLS
    count(this.counts, call)
    return call
  }

  static end(call: CallRecord, at = Date.now()): void {
    if (call.endT !== undefined) return
    call.endT = at
    call.durationMs = at - call.t
  }

  /** With `marker`, the counters cover that marker's calls among the last 10 000 only. */
  snapshot(scenario: MockLlmStats['scenario'], marker?: string): MockLlmStats {
    let calls = this.ring.length < MAX_CALLS ? this.ring.slice() : [...this.ring.slice(this.next), ...this.ring.slice(0, this.next)]
    let counts = this.counts
    if (marker !== undefined) {
      calls = calls.filter((c) => c.marker === marker)
      counts = emptyCounts()
      for (const call of calls) count(counts, call)
    }
    return {
      scenario,
      total: counts.total,
      unserved: counts.byApi.unserved ?? 0,
      byApi: { ...counts.byApi },
      byModel: Object.fromEntries([...counts.byModel].map(([name, m]) => [name, { total: m.total, byOutcome: { ...m.byOutcome } }])),
      byOutcome: { ...counts.byOutcome },
      ...(marker !== undefined && { marker }),
      // Copies: a caller holding a snapshot must not see later endT updates mutate it.
      calls: calls.map((c) => ({ ...c })),
    }
  }

  clear(): void {
    this.ring = []
    this.next = 0
    this.counts = emptyCounts()
  }
}

const MARKER = /\[agentctl:([a-z0-9-]{4,40})\]/

/** The first attribution marker in the texts, in order (docs/CONTRACTS.md #2). */
export function findMarker(texts: Iterable<string>): string | undefined {
  for (const text of texts) {
    if (!text.includes('[agentctl:')) continue
    const match = MARKER.exec(text)
    if (match) return match[1]
  }
  return undefined
}
