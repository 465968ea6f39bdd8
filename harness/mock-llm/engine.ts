import { parseDurationRange } from '../../src/duration.js'
import { LRUCache } from 'lru-cache'
import { FaultContext, type BodyEntry, type EngineShared, type FaultResult } from './context.js'
import { badRequestSpec } from './errors.js'
import { chatFormat } from './formats/chat.js'
import { FORMATS, unservedAnswer } from './formats/index.js'
import { isErrorSpec, type ApiErrorSpec, type LlmApi, type WireFormat } from './formats/types.js'
import { messageText } from './tokens.js'
import { createFault, type Fault } from './faults/index.js'
import { healthyReply } from './faults/latency.js'
import { seededRandom, uniformMs } from './random.js'
import { RateWindow } from './rate-window.js'
import { compileScripts, type CompiledScript } from './script.js'
import { findMarker, StatsRecorder, type CallRecord, type MockLlmStats } from './stats.js'
import { requestSignal, requestText } from './wire.js'
import { DEFAULT_MODELS, type ChatRequest, type MockLlmOptions, type Outcome } from './types.js'

export interface ScenarioState {
  name: string
  params: Record<string, unknown>
}

/**
 * The mock's state and its one hot path, `complete()`: the msw resolvers (`chat(request, format)`)
 * and the node:http adapter's direct routes all end there, so the two modes answer identically.
 */
export class MockLlmEngine {
  readonly models: string[]
  readonly seed: number
  private readonly scripts: CompiledScript[]
  private readonly latency?: [number, number]
  private random: () => number
  private scenarioState: ScenarioState = { name: 'healthy', params: {} }
  private scenario: Fault
  /** Faults added with use(): consulted before the scenario, the latest use() call first, each call in its order (like msw). */
  private extra: Fault[] = []
  private chain: Fault[]
  private seq = 0
  private readonly recorder = new StatsRecorder()
  private readonly rates = new RateWindow()
  private readonly lifetime = new AbortController()
  private readonly bodies = Object.fromEntries(
    FORMATS.map((f) => [f.api, new LRUCache<string, BodyEntry>({ max: 2_000, maxSize: 32_000_000, sizeCalculation: (_, key) => key.length + 1 })]),
  ) as Record<LlmApi, LRUCache<string, BodyEntry>>
  private readonly shared: EngineShared

  constructor(options: MockLlmOptions = {}) {
    this.models = options.models?.length ? [...options.models] : [...DEFAULT_MODELS]
    this.seed = options.seed ?? 42
    this.random = seededRandom(this.seed)
    this.scripts = compileScripts(options.scripts)
    if (options.latency !== undefined) this.latency = typeof options.latency === 'string' ? parseDurationRange(options.latency, 'latency') : options.latency
    this.scenario = createFault('healthy')
    this.chain = [this.scenario]
    const engine = this
    this.shared = {
      seed: this.seed,
      get random() {
        return engine.random
      },
      scripts: this.scripts,
      lifetime: this.lifetime.signal,
      rates: this.rates,
    }
    if (options.scenario) this.setScenario(options.scenario, options.scenarioParams)
  }

  /** Validates and activates a scenario (throws ScenarioError); returns the new state. */
  setScenario(name: string, params: Record<string, unknown> = {}): ScenarioState {
    this.scenario = createFault(name, params)
    this.scenarioState = { name, params: { ...params } }
    this.rebuildChain()
    return this.currentScenario()
  }

  currentScenario(): ScenarioState {
    return { name: this.scenarioState.name, params: { ...this.scenarioState.params } }
  }

  use(...faults: Fault[]): void {
    this.extra = [...faults, ...this.extra]
    this.rebuildChain()
  }

  /** Clears stats, added faults and the scenario (back to healthy); re-seeds for reproducible runs. */
  reset(): ScenarioState {
    this.recorder.clear()
    this.rates.reset()
    this.extra = []
    this.seq = 0
    this.random = seededRandom(this.seed)
    return this.setScenario('healthy')
  }

  /** With `marker`, only that marker's calls (GET /__mock/stats?marker=<id>). */
  stats(marker?: string): MockLlmStats {
    return this.recorder.snapshot(this.currentScenario(), marker)
  }

  /** Releases hanging calls; the mock answers nothing after this. */
  close(): void {
    this.lifetime.abort()
  }

  private rebuildChain(): void {
    this.chain = [...this.extra, this.scenario]
  }

  /** The msw resolver's entry point for one format's route (chat completions by default). */
  async chat(request: Request, format: WireFormat = chatFormat): Promise<Response> {
    const t = Date.now()
    return this.complete(format, await requestText(request), () => requestSignal(request), t)
  }

  /**
   * One completion from the raw body, in the format of the route it came in on. `signal` is
   * asked for only when needed (waits, hangs) and aborts when the client goes away.
   */
  async complete(format: WireFormat, text: string, signal: () => AbortSignal, t = Date.now()): Promise<Response> {
    let entry: BodyEntry
    try {
      entry = this.parse(format, text)
    } catch {
      return this.reject(format, t, 'unknown', undefined, badRequestSpec('We could not parse the JSON body of your request. (HINT: This likely means you aren\'t using your HTTP library correctly.)'))
    }
    if (entry.marker === undefined) entry.marker = markerOf(entry.body) ?? null
    const marker = entry.marker ?? undefined
    if (isErrorSpec(entry.body)) return this.reject(format, t, modelOf(text), marker, entry.body)
    const body = entry.body
    const seq = ++this.seq
    const baseDelay = this.latency ? uniformMs(this.random, this.latency[0], this.latency[1]) : 0
    const ctx = new FaultContext(this.shared, format, entry as BodyEntry & { body: ChatRequest }, signal, seq, baseDelay)
    let call: CallRecord | undefined
    const record = (scenario: string, outcome: Outcome, status: number) =>
      (call ??= this.recorder.record({ seq, t, api: format.api, method: 'POST', path: format.path, ...(marker && { marker }), model: body.model, scenario, outcome, status, stream: ctx.stream }))
    let result: FaultResult | undefined
    let decidedBy = 'healthy'
    for (const fault of this.chain) {
      if (!fault.selects(ctx)) continue
      // A hang is visible in stats while it hangs, not only once the client gives up.
      if (fault.name === 'hang') record('hang', 'hang', 0)
      result = await fault.handle(ctx)
      if (result) {
        decidedBy = fault.name
        break
      }
    }
    result ??= await healthyReply(ctx)
    if (ctx.shapedBy.length > 0) decidedBy = [...ctx.shapedBy, decidedBy].join('+')
    const recorded = record(decidedBy, result.outcome, result.response.type === 'error' ? 0 : result.response.status)
    if (result.streaming) ctx.onEnd = () => StatsRecorder.end(recorded)
    else StatsRecorder.end(recorded)
    return result.response
  }

  /**
   * A route no format serves: logged (docs/CONTRACTS.md #2) and answered 404 in the caller's
   * format, naming the routes the mock serves, so the agent's own error says what to fix.
   */
  unserved(method: string, path: string, anthropic: boolean, text?: string): Response {
    const marker = text ? findMarker([text]) : undefined
    StatsRecorder.end(this.recorder.record({ seq: ++this.seq, t: Date.now(), api: 'unserved', method, path, ...(marker && { marker }), model: text ? modelOf(text) : 'unknown', scenario: 'unserved', outcome: 'unserved', status: 404, stream: false }))
    return unservedAnswer(method, path, anthropic)
  }

  /** Identical bodies (the norm in a load test) are parsed, planned and tokenized once. */
  private parse(format: WireFormat, text: string): BodyEntry {
    const cache = this.bodies[format.api]
    const hit = cache.get(text)
    if (hit) return hit
    const entry: BodyEntry = { body: format.normalize(JSON.parse(text)) }
    cache.set(text, entry)
    return entry
  }

  private reject(format: WireFormat, t: number, model: string, marker: string | undefined, spec: ApiErrorSpec): Response {
    const response = format.error(spec)
    StatsRecorder.end(this.recorder.record({ seq: ++this.seq, t, api: format.api, method: 'POST', path: format.path, ...(marker && { marker }), model, scenario: 'request-validation', outcome: 'bad-request', status: response.status, stream: false }))
    return response
  }
}

function markerOf(body: ChatRequest | ApiErrorSpec): string | undefined {
  if (isErrorSpec(body) || !Array.isArray(body.messages)) return undefined
  return findMarker(body.messages.filter((m) => m?.role === 'user').map(messageText))
}

/** The model an invalid body names, for stats; 'unknown' when it names none. */
function modelOf(text: string): string {
  const match = /"model"\s*:\s*"([^"\\]{1,200})"/.exec(text)
  return match ? match[1]! : 'unknown'
}
