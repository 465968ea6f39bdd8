/**
 * Attribution that survives background retries (issue 14). Every chat carries its own marker
 * `[agentctl:<check>-<nonce>-<n>]` (docs/CONTRACTS.md #2), so a chat's LLM calls are exactly the
 * mock's calls with that marker. Before the mock switches scenario, the agent's LLM traffic must be
 * quiet: when a chat timed out (the agent may still be working on it) or calls came after an answer
 * (a framework retrying in the background), wait, bounded, until no call has arrived for a while,
 * and keep those late calls as evidence for the check that caused them.
 */
import { randomBytes } from 'node:crypto'
import { MockLlmControl, type MockLlmStats } from '../harness/mock-llm/control-client.js'
import type { ScenarioState } from '../harness/mock-llm/engine.js'
import { formatDuration } from '../src/duration.js'
import { type Exchange, type MockCall, sleep } from './resilience-support.js'

/** Calls this long after the exchange ended are late (clock reads on one host; network jitter aside). */
const LATE_AFTER_MS = 50
const MIN_QUIET_MS = 2000
const MAX_QUIET_MS = 30_000

export interface LateCalls {
  /** LLM calls that arrived after their chat's client had its answer or gave up. */
  count: number
  /** The longest time after the client was done that the agent still called the LLM. */
  longestAfterMs: number
  /** Some of them belong to chats the client gave up on (timeout, connection dropped). */
  afterTimeout: boolean
  examples: Array<{ request: string; marker: string; afterMs: number; model: string; outcome: string }>
}

interface Sent {
  marker: string
  label: string
  endedAt: number
  gaveUp: boolean
  failed: boolean
}

/** ctx.shared key: whether this agent was seen calling the LLM after a failed answer (learnt once per run). */
const BACKGROUND_KEY = 'resilience.backgroundRetries'

export class AttributedMock extends MockLlmControl {
  private readonly prefix: string
  private counter = 0
  private pending: Sent[] = []
  private late: Array<MockCall & { afterMs: number; request: string; gaveUp: boolean }> = []

  constructor(
    url: string,
    private readonly opts: { checkId?: string; quietBoundMs: number; signal?: AbortSignal; log?: (message: string) => void; shared?: Map<string, unknown> },
  ) {
    super(url, 3000)
    const slug = (opts.checkId ?? 'check').toLowerCase().replace(/[^a-z0-9-]+/g, '-').slice(0, 26)
    this.prefix = `${slug}-${randomBytes(3).toString('hex')}`
  }

  /** A fresh marker for one chat: 4-40 characters of [a-z0-9-]. */
  nextMarker(): string {
    this.counter += 1
    return `${this.prefix}-${this.counter}`
  }

  /** Remembers a chat, to look for its late calls before the next scenario switch. */
  sent(ex: Exchange): void {
    if (!ex.marker) return
    const failed = ex.outcome !== undefined && ex.outcome.kind !== 'answer'
    this.pending.push({ marker: ex.marker, label: ex.label, endedAt: ex.startedAt + ex.latencyMs, gaveUp: ex.status === undefined, failed })
  }

  override async setScenario(name: string, params: Record<string, unknown> = {}): Promise<ScenarioState> {
    await this.quiet()
    return super.setScenario(name, params)
  }

  /** Reset clears the call log: collect the late calls first. */
  override async reset(): Promise<ScenarioState> {
    await this.quiet()
    return super.reset()
  }

  /** Waits for quiet, then hands over (and forgets) the late calls seen during this check. */
  async settle(): Promise<LateCalls | undefined> {
    await this.quiet()
    const late = this.late
    this.late = []
    if (late.length === 0) return undefined
    return {
      count: late.length,
      longestAfterMs: Math.max(...late.map((c) => c.afterMs)),
      afterTimeout: late.some((c) => c.gaveUp),
      examples: late.slice(0, 5).map((c) => ({ request: c.request, marker: c.marker!, afterMs: c.afterMs, model: c.model, outcome: c.outcome })),
    }
  }

  private async quiet(): Promise<void> {
    if (this.pending.length === 0) return
    let stats = await this.stats()
    let late = this.lateOf(stats)
    // Frameworks retry in the background after a failed answer (or one the client gave up on).
    // Whether this agent does is learnt once per run, so an agent that never does pays one wait.
    const background = this.opts.shared?.get(BACKGROUND_KEY) as boolean | undefined
    const probe = background === undefined && this.pending.some((p) => p.failed)
    if (this.pending.some((p) => p.gaveUp) || late.length > 0 || probe || (background && this.pending.some((p) => p.failed))) {
      const deadline = Date.now() + this.opts.quietBoundMs
      const lastEnd = Math.max(...this.pending.map((p) => p.endedAt))
      this.opts.log?.(`waiting for the agent's LLM traffic to go quiet (${late.length} late call(s) so far)`)
      for (;;) {
        const lastArrival = Math.max(lastEnd, ...stats.calls.map((c) => c.t))
        const quietFor = Date.now() - lastArrival
        const needed = quietWindow(late)
        if (quietFor >= needed || Date.now() >= deadline) break
        await sleep(Math.min(500, needed - quietFor, Math.max(deadline - Date.now(), 1)), this.opts.signal)
        stats = await this.stats()
        late = this.lateOf(stats)
      }
    }
    if (probe || late.length > 0) this.opts.shared?.set(BACKGROUND_KEY, late.length > 0 || background === true)
    this.late.push(...late)
    this.pending = []
  }

  private lateOf(stats: MockLlmStats) {
    const byMarker = new Map(this.pending.map((p) => [p.marker, p]))
    const late: Array<MockCall & { afterMs: number; request: string; gaveUp: boolean }> = []
    for (const c of stats.calls) {
      const sent = c.marker ? byMarker.get(c.marker) : undefined
      if (sent && c.t > sent.endedAt + LATE_AFTER_MS) late.push({ ...c, afterMs: c.t - sent.endedAt, request: sent.label, gaveUp: sent.gaveUp })
    }
    return late
  }
}

/** Quiet long enough to outlast the backoff the late calls show (exponential backoffs double each gap). */
function quietWindow(late: MockCall[]): number {
  const times = late.map((c) => c.t).sort((a, b) => a - b)
  let gap = 0
  for (let i = 1; i < times.length; i++) gap = Math.max(gap, times[i]! - times[i - 1]!)
  return Math.min(MAX_QUIET_MS, Math.max(MIN_QUIET_MS, Math.round(gap * 2.5)))
}

export function lateCallsNote(late: LateCalls): string {
  return `the agent kept calling the LLM for ${formatDuration(late.longestAfterMs)} after the client ${late.afterTimeout ? 'timed out' : 'had its answer'} (${late.count} late call${late.count === 1 ? '' : 's'})`
}
