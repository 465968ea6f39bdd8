/**
 * Metrics and logs. Metric names come from metric-names.ts, a contract that `agentctl diagnose`
 * and `agentctl load` read; each agent instance owns its Registry so several agents can run in one
 * process (tests, bench) without name clashes.
 */
import pino, { type Logger } from 'pino'
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import { redact, redactDeep } from '../src/redact.js'
import { BREAKER_STATE, EXEMPLAR_TRACE_LABEL, METRICS } from '../src/contracts/metric-names.js'

/** Buckets in seconds: fine below 100 ms (agent overhead), wide up to a minute (LLM calls). */
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]
const LLM_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60]
const ACTIVE_WINDOW_MS = 15 * 60_000
/**
 * Sessions the active-sessions gauge remembers at most (about 100 B each). Without a bound, a
 * replica taking new sessions at 500/s would hold 450 000 of them for the 15-minute window; the
 * gauge reads at most this many.
 */
export const ACTIVE_SESSIONS_CAP = 100_000

export type LlmOutcome = 'success' | 'error' | 'timeout' | 'rate_limited' | 'breaker_open' | 'invalid_response'

type HttpLabels = Record<'route' | 'method' | 'status', string>

export interface Telemetry {
  registry: Registry
  /** True when the request histogram records exemplars (tracing on): /metrics then offers OpenMetrics. */
  exemplars: boolean
  httpRequests: Counter<'route' | 'method' | 'status'>
  /** One request into agent_http_request_duration_seconds; a traced chat's trace id becomes its bucket's exemplar (at most one new exemplar a second per bucket). */
  observeRequest(labels: HttpLabels, seconds: number, traceId?: string): void
  llmRequests: Counter<'model' | 'outcome'>
  llmDuration: Histogram<'model'>
  llmTokens: Counter<'model' | 'kind'>
  llmCost: Counter<'model'>
  breakerState: Gauge<'model'>
  toolCalls: Counter<'tool' | 'outcome'>
  budgetDaily: Gauge
  /** Marks a session active for the agent_active_sessions gauge. */
  touchSession(sessionId: string): void
  /** How many sessions the gauge remembers right now (bounded by the window and the cap). */
  trackedSessions(): number
  /** Where the budget gauge reads today's spend; set once the budget exists. */
  setBudgetSource(read: () => Promise<number>): void
  /** Where the breaker gauge reads each model's state, at scrape time. */
  setBreakerSource(read: () => Array<{ model: string; state: 'closed' | 'open' | 'half-open' }>): void
}

export interface TelemetryOptions {
  /** Record the trace id of each traced chat as an exemplar (set when tracing is on). */
  exemplars?: boolean
}

export function createTelemetry(options: TelemetryOptions = {}): Telemetry {
  const registry = new Registry()
  const exemplars = options.exemplars === true
  // Process metrics (RSS, CPU, heap, GC, event-loop lag): diagnose reads them for saturation.
  collectDefaultMetrics({ register: registry })
  const lastTurn = new Map<string, number>()
  let readBudget: (() => Promise<number>) | undefined
  let readBreakers: Parameters<Telemetry['setBreakerSource']>[0] | undefined

  // Created in the order /metrics has always listed them.
  const httpRequests = new Counter({ name: METRICS.httpRequests, help: 'HTTP requests served', labelNames: ['route', 'method', 'status'], registers: [registry] })
  const httpDuration = requestHistogram(registry, exemplars)
  const telemetry: Telemetry = {
    registry,
    exemplars,
    httpRequests,
    // Tracing off: the plain observe, not a call that checks for an exemplar on every request.
    observeRequest: exemplars
      ? observeWithExemplars(httpDuration)
      : (labels, seconds) => httpDuration.observe(labels, seconds),
    llmRequests: new Counter({ name: METRICS.llmRequests, help: 'LLM call attempts by outcome', labelNames: ['model', 'outcome'], registers: [registry] }),
    llmDuration: new Histogram({ name: METRICS.llmDuration, help: 'LLM call attempt duration in seconds', labelNames: ['model'], buckets: LLM_BUCKETS, registers: [registry] }),
    llmTokens: new Counter({ name: METRICS.llmTokens, help: 'LLM tokens by kind (prompt, completion)', labelNames: ['model', 'kind'], registers: [registry] }),
    llmCost: new Counter({ name: METRICS.llmCost, help: 'LLM spend in USD from the pricing table', labelNames: ['model'], registers: [registry] }),
    breakerState: new Gauge({
      name: METRICS.breakerState,
      help: 'Circuit breaker state per model: 0 closed, 1 open, 2 half-open',
      labelNames: ['model'],
      registers: [registry],
      // Read at scrape time: an open breaker past its delay is half-open (the next call probes),
      // even if no call has come since; /ready reports the same.
      collect() {
        for (const { model, state } of readBreakers?.() ?? []) this.set({ model }, BREAKER_STATE[state === 'half-open' ? 'halfOpen' : state])
      },
    }),
    toolCalls: new Counter({ name: METRICS.toolCalls, help: 'Tool calls by outcome', labelNames: ['tool', 'outcome'], registers: [registry] }),
    budgetDaily: new Gauge({ name: METRICS.budgetDaily, help: 'Configured daily LLM budget in USD (0 = none)', registers: [registry] }),
    touchSession(id) {
      const now = Date.now()
      // Re-inserted, so the Map stays ordered by last turn and the oldest entries come first.
      lastTurn.delete(id)
      lastTurn.set(id, now)
      pruneSessions(lastTurn, now)
    },
    trackedSessions: () => lastTurn.size,
    setBudgetSource: (read) => void (readBudget = read),
    setBreakerSource: (read) => void (readBreakers = read),
  }

  new Gauge({
    name: METRICS.activeSessions,
    help: 'Sessions with a turn in the last 15 minutes (this replica)',
    registers: [registry],
    collect() {
      pruneSessions(lastTurn, Date.now())
      this.set(lastTurn.size)
    },
  })
  new Gauge({
    name: METRICS.budgetSpent,
    help: 'USD spent on the LLM today (UTC)',
    registers: [registry],
    async collect() {
      // A scrape must not fail because Redis is down: keep the last value.
      const spent = readBudget ? await readBudget().catch(() => undefined) : 0
      if (spent !== undefined) this.set(spent)
    },
  })
  return telemetry
}

/**
 * How often a bucket's exemplar may change. Prometheus keeps one exemplar per bucket and scrapes
 * every 15 s or so, so a trace id a second loses nothing a scrape could show; on every chat,
 * prom-client's exemplar update (a second hash of the labels, a label-set check, a timestamp) was
 * 6 to 9 us of a traced chat's CPU in a profile under bench/agent's load.
 */
const EXEMPLAR_REFRESH_MS = 1000
const NO_EXEMPLAR = {}

function observeWithExemplars(histogram: Histogram<string>): Telemetry['observeRequest'] {
  const refreshedAt = new Map<string, number>() // per series and bucket: bounded by routes x statuses x buckets
  return (labels, seconds, traceId) => {
    let exemplarLabels: Record<string, string> = NO_EXEMPLAR
    if (traceId) {
      const bucket = `${labels.route} ${labels.method} ${labels.status} ${HTTP_BUCKETS.findIndex((bound) => seconds <= bound)}`
      const now = performance.now()
      if (now - (refreshedAt.get(bucket) ?? -Infinity) >= EXEMPLAR_REFRESH_MS) {
        refreshedAt.set(bucket, now)
        exemplarLabels = { [EXEMPLAR_TRACE_LABEL]: traceId }
      }
    }
    histogram.observe({ labels, value: seconds, exemplarLabels })
  }
}

/**
 * agent_http_request_duration_seconds. With exemplars, prom-client refuses a classic registry at
 * construction (its classic text has no place for them), so the histogram is registered by hand:
 * the classic text leaves the exemplars out, openmetrics.ts renders them.
 */
function requestHistogram(registry: Registry, exemplars: boolean): Histogram<string> {
  const histogram = new Histogram({
    name: METRICS.httpDuration,
    help: 'HTTP request duration in seconds',
    labelNames: ['route', 'method', 'status'],
    buckets: HTTP_BUCKETS,
    enableExemplars: exemplars,
    registers: exemplars ? [] : [registry],
  })
  if (exemplars) registry.registerMetric(histogram)
  return histogram
}

/**
 * Forgets sessions whose last turn left the window, and the oldest beyond the cap. Oldest first,
 * stopping at the first one kept: O(1) per turn on average, however many sessions there are.
 */
function pruneSessions(lastTurn: Map<string, number>, now: number): void {
  const cutoff = now - ACTIVE_WINDOW_MS
  for (const [id, at] of lastTurn) {
    if (at >= cutoff && lastTurn.size <= ACTIVE_SESSIONS_CAP) return
    lastTurn.delete(id)
  }
}

/**
 * JSON logs. Every string argument and every field passes through src/redact.ts, so a key that
 * reaches a log line by accident (an error message quoting a URL, a header dump) is masked.
 */
export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { service: 'agentctl-agent' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: ['req.headers.authorization', 'headers.authorization', '*.apiKey', '*.password'], censor: '***' },
      // Errors are serialised first (their message and stack are not enumerable), then scrubbed.
      formatters: { log: (object) => redactDeep(serializeErrors(object)) },
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((a) => (typeof a === 'string' ? redact(a) : a)) as Parameters<typeof method>)
        },
      },
    },
    destination ?? pino.destination({ dest: 1, sync: false }),
  )
}

function serializeErrors(object: Record<string, unknown>): Record<string, unknown> {
  let out = object
  for (const [key, value] of Object.entries(object)) {
    if (value instanceof Error) out = { ...out, [key]: pino.stdSerializers.err(value) }
  }
  return out
}
