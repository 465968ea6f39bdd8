/**
 * A turn's spans, recorded as the ReadableSpan values the SDK's span processors and exporters take:
 * tracing.ts hands them to the SDK's BatchSpanProcessor, which batches them, and to its OTLP/HTTP
 * export, as before. Only the recording is ours, not the SDK's Tracer and Span.
 *
 * Why: those are general-purpose, and this agent's five spans a turn are not. Under bench/agent's
 * load the SDK's span creation cost the agent about 11% more CPU a chat with export switched off
 * (two agents under the same load), three times what the same spans cost in an isolated loop: each
 * start validates its attributes twice (sanitizeAttributes, then setAttribute), reads the clock
 * three times, allocates a Context per parent, a metrics closure and a dozen-field object with its
 * own arrays. Here the names and attribute keys are fixed, their values are strings and numbers by
 * their types, and a span is one small object whose events and links are shared empty arrays.
 *
 * What the SDK did that still holds:
 * - sampling: the SDK's sampler for OTEL_TRACES_SAMPLER(_ARG) (tracing.ts), decided once per turn
 *   at the root: every sampler the variable can name gives a local child its parent's decision
 *   (the parent-based ones by their rule, trace-id ratio by the same trace id, always on/off
 *   trivially);
 * - the attribute value length limit (OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT, else
 *   OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT), applied to strings as the SDK applies it;
 * - random W3C ids from the SDK's RandomIdGenerator; a span's parent, kind, status and times;
 * - an ended span ignores later changes.
 * Not kept: the attribute count limits (OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT and the like, 128 by
 * default): a span here carries at most a dozen attributes, and no events or links.
 * Times come from the wall clock read once per turn (Date.now, as the SDK reads it once per span),
 * advanced by the monotonic clock: a turn's spans nest exactly, where the SDK's per-span reading of
 * a millisecond clock could end a child up to 1 ms after its parent.
 */
import { type Attributes, type AttributeValue, type Context, type HrTime, isSpanContextValid, type Link, type SpanContext, SpanKind, type SpanStatus, SpanStatusCode, SamplingDecision, trace, TraceFlags } from '@opentelemetry/api'
import type { InstrumentationScope } from '@opentelemetry/core'
import type { Resource } from '@opentelemetry/resources'
import type { IdGenerator, ReadableSpan, Sampler, SpanProcessor, TimedEvent } from '@opentelemetry/sdk-trace-base'
import { ATTR_ERROR_TYPE, ATTR_HTTP_REQUEST_METHOD, ATTR_HTTP_RESPONSE_STATUS_CODE, ATTR_HTTP_ROUTE } from '@opentelemetry/semantic-conventions'
import { formatTraceHeader } from '../src/contracts/trace-context.js'
import type { LlmAttemptTrace, TurnTrace } from './tracing-types.js'

/**
 * What every turn shares: where its spans go and how they are made. The processor gets onEnd only
 * (the SDK's batch and simple processors do nothing on start, and have no onEnding).
 */
export interface SpanRecorder {
  processor: SpanProcessor
  resource: Resource
  scope: InstrumentationScope
  ids: IdGenerator
  sampler: Sampler
  /** The longest string attribute value kept (the SDK's attributeValueLengthLimit); Infinity: no limit. */
  valueLengthLimit: number
}

const UNSET: SpanStatus = Object.freeze({ code: SpanStatusCode.UNSET })
const NONE: never[] = Object.freeze([]) as unknown as never[]
const NOT_ENDED: HrTime = Object.freeze([0, 0]) as unknown as HrTime

/** The SDK's rule for the value length limit: strings, and the strings in an array, cut to `limit`. */
function truncated(value: AttributeValue, limit: number): AttributeValue {
  const cut = (v: unknown) => (typeof v === 'string' && v.length > limit ? v.slice(0, limit) : v)
  return (Array.isArray(value) ? value.map(cut) : cut(value)) as AttributeValue
}

/** The wall clock read once per turn, advanced by the monotonic clock (see above). */
class TurnClock {
  private readonly seconds: number
  private readonly nanos: number
  private readonly at = performance.now()
  constructor() {
    const now = Date.now()
    this.seconds = Math.floor(now / 1000)
    this.nanos = (now % 1000) * 1e6
  }
  now(): HrTime {
    const nanos = this.nanos + Math.round((performance.now() - this.at) * 1e6)
    return [this.seconds + Math.floor(nanos / 1e9), nanos % 1e9]
  }
}

/** One span of a turn: the ReadableSpan the processors take, written only by this module. */
class TurnSpan implements ReadableSpan {
  readonly startTime: HrTime
  endTime: HrTime = NOT_ENDED
  status: SpanStatus = UNSET
  ended = false
  readonly events: TimedEvent[] = NONE
  readonly links: Link[] = NONE
  readonly droppedAttributesCount = 0
  readonly droppedEventsCount = 0
  readonly droppedLinksCount = 0
  readonly resource: Resource
  readonly instrumentationScope: InstrumentationScope

  constructor(
    private readonly turn: Turn,
    readonly name: string,
    readonly kind: SpanKind,
    private readonly context: SpanContext,
    readonly parentSpanContext: SpanContext | undefined,
    readonly attributes: Attributes,
  ) {
    this.resource = turn.recorder.resource
    this.instrumentationScope = turn.recorder.scope
    this.startTime = turn.clock.now()
    // The SDK cuts the attributes a span starts with too; without a limit, nothing to do.
    const limit = turn.recorder.valueLengthLimit
    if (limit !== Infinity) for (const key of Object.keys(attributes)) attributes[key] = truncated(attributes[key]!, limit)
  }

  spanContext(): SpanContext {
    return this.context
  }

  get duration(): HrTime {
    const nanos = (this.endTime[0] - this.startTime[0]) * 1e9 + (this.endTime[1] - this.startTime[1])
    return [Math.floor(nanos / 1e9), nanos % 1e9]
  }

  /** Like the SDK's setAttribute: ignored once the span ended (a processor may hold it already). */
  set(key: string, value: AttributeValue): void {
    if (this.ended) return
    const limit = this.turn.recorder.valueLengthLimit
    this.attributes[key] = limit === Infinity ? value : truncated(value, limit)
  }

  fail(error: unknown, type?: string): void {
    if (this.ended) return
    this.set(ATTR_ERROR_TYPE, type ?? ((error as { kind?: string; type?: string })?.kind ?? (error as Error)?.name ?? 'error'))
    this.failWith(String((error as Error)?.message ?? error).slice(0, 300))
  }

  failWith(message: string): void {
    if (!this.ended) this.status = { code: SpanStatusCode.ERROR, message }
  }

  end(): void {
    if (this.ended) return
    this.endTime = this.turn.clock.now()
    this.ended = true
    if (this.turn.recording) this.turn.recorder.processor.onEnd(this)
  }

  /** `traceparent` for a request made inside this span; `traceresponse` naming it (same grammar). */
  header(): string {
    return formatTraceHeader({ traceId: this.context.traceId, spanId: this.context.spanId, flags: this.context.traceFlags & TraceFlags.SAMPLED })
  }
}

/** One turn: the root span's context, the clock and the sampling decision its spans share. */
class Turn {
  readonly clock = new TurnClock()
  readonly recording: boolean
  readonly root: TurnSpan
  constructor(readonly recorder: SpanRecorder, parent: Context) {
    // An invalid context (all-zero ids) starts a new trace, as the SDK's Tracer does.
    const caller = trace.getSpanContext(parent)
    const remote = caller && isSpanContextValid(caller) ? caller : undefined
    const traceId = remote?.traceId ?? recorder.ids.generateTraceId()
    const attributes: Attributes = { [ATTR_HTTP_REQUEST_METHOD]: 'POST', [ATTR_HTTP_ROUTE]: '/chat' }
    const sampled = recorder.sampler.shouldSample(parent, traceId, 'POST /chat', SpanKind.SERVER, attributes, [])
    this.recording = sampled.decision !== SamplingDecision.NOT_RECORD
    if (sampled.attributes) Object.assign(attributes, sampled.attributes)
    const context: SpanContext = {
      traceId,
      spanId: recorder.ids.generateSpanId(),
      traceFlags: sampled.decision === SamplingDecision.RECORD_AND_SAMPLED ? TraceFlags.SAMPLED : TraceFlags.NONE,
      traceState: sampled.traceState ?? remote?.traceState,
    }
    this.root = new TurnSpan(this, 'POST /chat', SpanKind.SERVER, context, remote, attributes)
  }

  child(name: string, kind: SpanKind, attributes: Attributes): TurnSpan {
    const root = this.root.spanContext()
    const context: SpanContext = { traceId: root.traceId, spanId: this.recorder.ids.generateSpanId(), traceFlags: root.traceFlags, traceState: root.traceState }
    return new TurnSpan(this, name, kind, context, root, attributes)
  }
}

class LlmAttempt implements LlmAttemptTrace {
  readonly traceparent: string
  constructor(private readonly span: TurnSpan) {
    this.traceparent = span.header()
  }
  succeeded({ responseModel, inputTokens, outputTokens, finishReason }: Parameters<LlmAttemptTrace['succeeded']>[0]): void {
    // The provider's `model` field, passed on as is: a string only (the SDK dropped other values).
    if (typeof responseModel === 'string' && responseModel) this.span.set('gen_ai.response.model', responseModel)
    if (inputTokens !== undefined) this.span.set('gen_ai.usage.input_tokens', inputTokens)
    if (outputTokens !== undefined) this.span.set('gen_ai.usage.output_tokens', outputTokens)
    if (finishReason) this.span.set('gen_ai.response.finish_reasons', [finishReason])
    this.span.end()
  }
  failed(error: unknown, kind?: string, status?: number): void {
    if (status !== undefined) this.span.set(ATTR_HTTP_RESPONSE_STATUS_CODE, status)
    this.span.fail(error, kind)
    this.span.end()
  }
}

/**
 * The tree of one turn (tracing.ts shows it). Attribute values that come from outside (the model's
 * name, a tool's, a call id) go through `set`, which applies the length limit.
 */
export function startTurn(recorder: SpanRecorder, parent: Context): TurnTrace {
  const turn = new Turn(recorder, parent)
  const root = turn.root
  const setAll = (attributes: Record<string, string | number | boolean | undefined>) => {
    for (const [key, value] of Object.entries(attributes)) if (value !== undefined) root.set(key, value)
  }
  return {
    traceId: root.spanContext().traceId,
    traceresponse: root.header(),
    annotate: setAll,
    llmAttempt(model, retry) {
      const attributes: Attributes = { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.system': 'openai' }
      const span = turn.child(`chat ${model}`, SpanKind.CLIENT, attributes)
      span.set('gen_ai.request.model', model)
      // No gen_ai attribute for it: the HTTP conventions' resend count, "Recommended: if and only
      // if request was retried" (http-spans.md), so absent on the first try.
      if (retry > 0) span.set('http.request.resend_count', retry)
      return new LlmAttempt(span)
    },
    tool(name, callId) {
      const span = turn.child(`execute_tool ${name}`, SpanKind.INTERNAL, { 'gen_ai.operation.name': 'execute_tool' })
      span.set('gen_ai.tool.name', name)
      span.set('gen_ai.tool.call.id', callId)
      return (outcome) => {
        span.set('agentctl.tool.outcome', outcome)
        if (outcome !== 'success') span.failWith(outcome)
        span.end()
      }
    },
    commit() {
      const span = turn.child('INSERT agent_turns', SpanKind.CLIENT, { 'db.system.name': 'postgresql', 'db.operation.name': 'INSERT', 'db.collection.name': 'agent_turns', 'db.query.summary': 'commit turn' })
      return (error) => {
        if (error) span.fail(error)
        span.end()
      }
    },
    end(status, attributes, errorCode) {
      root.set(ATTR_HTTP_RESPONSE_STATUS_CODE, status)
      setAll(attributes)
      // HTTP server conventions: a 5xx is the server's error; a 4xx is the caller's (status unset).
      if (status >= 500) root.fail(errorCode ?? `HTTP ${status}`, errorCode ?? String(status))
      else if (errorCode) root.set(ATTR_ERROR_TYPE, errorCode)
      root.end()
    },
  }
}
