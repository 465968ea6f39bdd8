import { parseDurationRange } from '../../src/duration.js'
import { LRUCache } from 'lru-cache'
import { FaultContext, type BodyEntry, type EngineShared, type FaultResult } from './context.js'
import { badRequest, openAiError } from './errors.js'
import { createFault, type Fault } from './faults/index.js'
import { healthyReply } from './faults/latency.js'
import { seededRandom, uniformMs } from './random.js'
import { RateWindow } from './rate-window.js'
import { compileScripts, type CompiledScript } from './script.js'
import { StatsRecorder, type CallRecord, type MockLlmStats } from './stats.js'
import { requestSignal, requestText } from './wire.js'
import { DEFAULT_MODELS, type ChatRequest, type MockLlmOptions, type Outcome } from './types.js'

export interface ScenarioState {
  name: string
  params: Record<string, unknown>
}

/**
 * The mock's state and its one hot path, `complete()`: the msw resolver (`chat(request)`) and
 * the node:http adapter's direct route both end there, so the two modes answer identically.
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
  private readonly bodies = new LRUCache<string, BodyEntry>({ max: 2_000, maxSize: 32_000_000, sizeCalculation: (_, key) => key.length + 1 })
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

  stats(): MockLlmStats {
    return this.recorder.snapshot(this.currentScenario())
  }

  /** Releases hanging calls; the mock answers nothing after this. */
  close(): void {
    this.lifetime.abort()
  }

  private rebuildChain(): void {
    this.chain = [...this.extra, this.scenario]
  }

  /** The msw resolver's entry point. */
  async chat(request: Request): Promise<Response> {
    const t = Date.now()
    return this.complete(await requestText(request), () => requestSignal(request), t)
  }

  /**
   * One chat completion from the raw body. `signal` is asked for only when needed (waits, hangs)
   * and aborts when the client goes away.
   */
  async complete(text: string, signal: () => AbortSignal, t = Date.now()): Promise<Response> {
    let entry: BodyEntry
    try {
      entry = this.parse(text)
    } catch {
      return this.reject(t, 'unknown', badRequest('We could not parse the JSON body of your request. (HINT: This likely means you aren\'t using your HTTP library correctly.)'))
    }
    const body = entry.body
    if (!body || typeof body !== 'object' || typeof body.model !== 'string' || body.model === '') {
      return this.reject(t, 'unknown', badRequest('you must provide a model parameter', 'model'))
    }
    if (!Array.isArray(body.messages) || body.messages.length === 0) {
      return this.reject(t, body.model, openAiError({ status: 400, type: 'invalid_request_error', param: 'messages', code: 'missing_required_parameter', message: "Missing required parameter: 'messages'." }))
    }
    const invalid = invalidField(body)
    if (invalid) return this.reject(t, body.model, badRequest(`Invalid value for '${invalid}'.`, invalid))
    const seq = ++this.seq
    const baseDelay = this.latency ? uniformMs(this.random, this.latency[0], this.latency[1]) : 0
    const ctx = new FaultContext(this.shared, entry, signal, seq, baseDelay)
    let call: CallRecord | undefined
    const record = (scenario: string, outcome: Outcome, status: number) =>
      (call ??= this.recorder.record({ seq, t, model: body.model, scenario, outcome, status, stream: ctx.stream }))
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

  /** Identical bodies (the norm in a load test) are parsed, planned and tokenized once. */
  private parse(text: string): BodyEntry {
    const hit = this.bodies.get(text)
    if (hit) return hit
    const entry: BodyEntry = { body: JSON.parse(text) as ChatRequest }
    this.bodies.set(text, entry)
    return entry
  }

  private reject(t: number, model: string, response: Response): Response {
    StatsRecorder.end(this.recorder.record({ seq: ++this.seq, t, model, scenario: 'request-validation', outcome: 'bad-request', status: response.status, stream: false }))
    return response
  }
}

/** The first malformed field the script would trip over, OpenAI-style ("messages[2]"), if any. */
function invalidField(body: ChatRequest): string | undefined {
  const badMessage = body.messages.findIndex((m) => !m || typeof m !== 'object' || typeof m.role !== 'string')
  if (badMessage >= 0) return `messages[${badMessage}]`
  if (body.tools === undefined || body.tools === null) return undefined
  if (!Array.isArray(body.tools)) return 'tools'
  const badTool = body.tools.findIndex((t) => typeof t?.function?.name !== 'string')
  return badTool >= 0 ? `tools[${badTool}].function.name` : undefined
}
