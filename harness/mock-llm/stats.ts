import type { Outcome } from './types.js'

export interface CallRecord {
  seq: number
  /** Epoch ms when the request arrived. */
  t: number
  /** Epoch ms when the answer finished (streams: the last byte; hang: the client's abort). */
  endT?: number
  model: string
  /** The fault that decided the call ('healthy' when none did), prefixed by any that only shaped it: 'slow+error-storm'. */
  scenario: string
  outcome: Outcome
  /** HTTP status; 0 when no response was sent (hang, connection reset). */
  status: number
  stream: boolean
  durationMs?: number
}

export interface MockLlmStats {
  scenario: { name: string; params: Record<string, unknown> }
  total: number
  byModel: Record<string, { total: number; byOutcome: Partial<Record<Outcome, number>> }>
  byOutcome: Partial<Record<Outcome, number>>
  calls: CallRecord[]
}

const MAX_CALLS = 10_000

/** Counters plus a ring buffer of the last 10 000 calls (no array shifting on the hot path). */
export class StatsRecorder {
  private ring: CallRecord[] = []
  private next = 0
  private total = 0
  private byModel = new Map<string, { total: number; byOutcome: Partial<Record<Outcome, number>> }>()
  private byOutcome: Partial<Record<Outcome, number>> = {}

  record(call: CallRecord): CallRecord {
    if (this.ring.length < MAX_CALLS) this.ring.push(call)
    else this.ring[this.next] = call
    this.next = (this.next + 1) % MAX_CALLS
    this.total++
    this.byOutcome[call.outcome] = (this.byOutcome[call.outcome] ?? 0) + 1
    let model = this.byModel.get(call.model)
    if (!model) this.byModel.set(call.model, (model = { total: 0, byOutcome: {} }))
    model.total++
    model.byOutcome[call.outcome] = (model.byOutcome[call.outcome] ?? 0) + 1
    return call
  }

  static end(call: CallRecord, at = Date.now()): void {
    if (call.endT !== undefined) return
    call.endT = at
    call.durationMs = at - call.t
  }

  snapshot(scenario: MockLlmStats['scenario']): MockLlmStats {
    const calls = this.ring.length < MAX_CALLS ? this.ring.slice() : [...this.ring.slice(this.next), ...this.ring.slice(0, this.next)]
    return {
      scenario,
      total: this.total,
      byModel: Object.fromEntries([...this.byModel].map(([name, m]) => [name, { total: m.total, byOutcome: { ...m.byOutcome } }])),
      byOutcome: { ...this.byOutcome },
      // Copies: a caller holding a snapshot must not see later endT updates mutate it.
      calls: calls.map((c) => ({ ...c })),
    }
  }

  clear(): void {
    this.ring = []
    this.next = 0
    this.total = 0
    this.byModel.clear()
    this.byOutcome = {}
  }
}
