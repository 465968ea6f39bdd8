/**
 * OpenTelemetry traces of every chat turn, exported over OTLP/HTTP (protobuf, or JSON when
 * OTEL_EXPORTER_OTLP_PROTOCOL=http/json) when OTEL_EXPORTER_OTLP_ENDPOINT (or
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set.
 *
 * This module is imported (dynamically, by index.ts) only when export is on: with no endpoint
 * the agent loads no OpenTelemetry code and creates no span, so tracing costs nothing.
 *
 * The tree of one turn:
 *   POST /chat                     SERVER; child of the caller's W3C `traceparent` when it sends one
 *   ├─ chat <model>                CLIENT, one per LLM attempt (retries and fallbacks each get one);
 *   │                              its context goes out as `traceparent` on that LLM request
 *   ├─ execute_tool <tool>         INTERNAL, one per tool call
 *   └─ INSERT agent_turns          CLIENT, the turn's single PostgreSQL commit statement
 * The server span is named back to the caller in a W3C Trace Context Level 2 `traceresponse`
 * header, so a client (agentctl) can point at the trace of each answer.
 * Attribute names follow the OpenTelemetry semantic conventions (gen_ai.* for the LLM and tool
 * spans, db.* for PostgreSQL, http.* for the server span), version 1.45 of the package.
 *
 * The spans are recorded by turn-spans.ts, not by the SDK's Tracer (it says why); this module puts
 * together what they go through: the SDK's OTLP/HTTP export and the sampler the environment names;
 * a batch processor with the SDK's OTEL_BSP_* behaviour that encodes each span to OTLP/protobuf as
 * it ends (otlp/batch-processor.ts; for http/json, the SDK's BatchSpanProcessor and serializer).
 * The parent is passed explicitly, not through a global context manager: nothing is registered
 * globally, so embedding the agent in an instrumented process changes neither its tracing nor the
 * host's.
 */
import { type Context, createTraceState, ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api'
import { OTLPTraceExporter as OTLPJsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http'
import { OTLPExporterBase } from '@opentelemetry/otlp-exporter-base'
import { convertLegacyHttpOptions, createOtlpHttpExportDelegate } from '@opentelemetry/otlp-exporter-base/node-http'
import { type IExportTraceServiceResponse, type ISerializer, ProtobufTraceSerializer, TraceExporterMetricsHelper } from '@opentelemetry/otlp-transformer'
import { type ExportResult, ExportResultCode, type InstrumentationScope } from '@opentelemetry/core'
import { type Resource, resourceFromAttributes } from '@opentelemetry/resources'
import { AlwaysOffSampler, AlwaysOnSampler, BatchSpanProcessor, ParentBasedSampler, RandomIdGenerator, type ReadableSpan, type Sampler, type SpanProcessor, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace-base'
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions'
import { parseTraceHeader } from '../src/contracts/trace-context.js'
import type { TracingConfig } from './config.js'
import type { TraceHandle } from './tracing-types.js'
import { type BatchExporter, type EncodedBatch, EncodingBatchProcessor } from './otlp/batch-processor.js'
import { type SpanRecorder, startTurn } from './turn-spans.js'

/** The agent's tracing configuration (config.ts: its defaults, its checks), and two hooks. */
export interface TracingOptions extends TracingConfig {
  /** For tests: a processor to use instead of the batch exporter. */
  processor?: SpanProcessor
  /** Where failed exports are reported (the agent's logger); the SDK's own report goes to a diag logger nobody set. */
  warn?: (message: string, fields: { otlp: string; dropped: number }) => void
}

/** At most one warning a minute per cause of lost spans; the spans lost meanwhile are counted in the next. */
const EXPORT_WARNING_INTERVAL_MS = 60_000

/**
 * Counts spans lost, per cause (a failed export; each reason a span is dropped before export), and
 * warns about each cause at most once a minute: without this, spans sent to a wrong URL, a gRPC
 * port or a collector that refuses them, or dropped on a full queue, are lost without a word (the
 * SDK reports to `diag`, and the agent registers nothing global: see above). Losses inside the
 * minute are warned about when it ends (an unref'd timer) or at shutdown (`flush`), so a long
 * outage shows its whole count, not only its first span.
 */
function lossLog(url: string, warn: NonNullable<TracingOptions['warn']>) {
  interface Cause { dropped: number; warnedAt: number; timer?: NodeJS.Timeout; message: (dropped: number) => string }
  const causes = new Map<string, Cause>()
  const warnOf = (cause: Cause) => {
    clearTimeout(cause.timer)
    cause.timer = undefined
    if (cause.dropped === 0) return
    warn(cause.message(cause.dropped), { otlp: url, dropped: cause.dropped })
    cause.warnedAt = Date.now()
    cause.dropped = 0
  }
  return {
    count(name: string, spans: number, message: (dropped: number) => string) {
      let cause = causes.get(name)
      if (!cause) causes.set(name, (cause = { dropped: 0, warnedAt: -Infinity, message }))
      cause.dropped += spans
      cause.message = message
      const wait = cause.warnedAt + EXPORT_WARNING_INTERVAL_MS - Date.now()
      if (wait <= 0) warnOf(cause)
      else cause.timer ??= setTimeout(warnOf, wait, cause).unref()
    },
    flush: () => causes.forEach(warnOf),
  }
}
type LossLog = ReturnType<typeof lossLog>

/** The exporter, its failed exports reported as lost spans. */
function reportingFailures<T extends { length: number }>(exporter: Exporter<T>, losses: LossLog, url: string): Exporter<T> {
  return {
    export(items, done) {
      exporter.export(items, (result) => {
        if (result.code !== ExportResultCode.SUCCESS) losses.count('export', items.length, (dropped) => exportFailure(url, result.error, dropped))
        done(result)
      })
    },
    shutdown: () => exporter.shutdown(),
  }
}

interface Exporter<T> {
  export(items: T, done: (result: ExportResult) => void): void
  shutdown(): Promise<void>
}

/**
 * The warning's text: what failed, how much was lost, and the usual mistake when the URL names
 * port 4317. A password in the URL is masked by the agent's logger (message and fields alike).
 */
export function exportFailure(url: string, error: (Error & { code?: unknown }) | undefined, dropped: number): string {
  // The exporter's HTTP errors carry the status in `code` and only its text in the message.
  const reason = `${typeof error?.code === 'number' ? `HTTP ${error.code} ` : ''}${error?.message || 'no reason given'}`
  const grpcPort = new URL(url).port === '4317' ? '; port 4317 is OTLP/gRPC, and the agent speaks OTLP/HTTP: point it at the collector\'s OTLP/HTTP port, usually 4318' : ''
  return `OTLP trace export to ${url} failed (${spanCount(dropped)} dropped): ${reason}${grpcPort}`
}

const spanCount = (n: number) => `${n} span${n === 1 ? '' : 's'}`

/** The caller's W3C trace context, or the root context when it sent none (or a malformed one). */
export function parentFrom(traceparent: unknown, tracestate: unknown): Context {
  const caller = parseTraceHeader(traceparent)
  if (!caller) return ROOT_CONTEXT
  const state = typeof tracestate === 'string' ? tracestate : undefined
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId: caller.traceId,
    spanId: caller.spanId,
    traceFlags: caller.flags & TraceFlags.SAMPLED,
    isRemote: true,
    ...(state ? { traceState: createTraceState(state) } : {}),
  })
}

/**
 * The batch processor and exporter for the configured protocol: for http/protobuf (the default),
 * ours, which encodes each span as it ends (otlp/batch-processor.ts says why); for http/json, the
 * SDK's BatchSpanProcessor and JSON exporter. Both take the same OTEL_BSP_* settings.
 */
function batchProcessor(options: TracingOptions, resource: Resource, scope: InstrumentationScope, losses: LossLog | undefined): SpanProcessor {
  if (options.protocol === 'http/json') {
    // The SDK's processor: spans it drops on a full queue are said only to its diag logger.
    const json = new OTLPJsonTraceExporter({ url: options.url })
    return new BatchSpanProcessor(losses ? reportingFailures<ReadableSpan[]>(json, losses, options.url) : json, options.batch)
  }
  const exporter = protobufExporter(options.url)
  return new EncodingBatchProcessor({
    ...options.batch,
    exporter: losses ? reportingFailures(exporter, losses, options.url) : exporter,
    resource,
    scope,
    onDrop: losses && ((count, reason) => losses.count(reason, count, (dropped) => `OTLP trace export to ${options.url}: ${spanCount(dropped)} dropped before export (${reason})`)),
  })
}

/**
 * The SDK's OTLP/HTTP export (@opentelemetry/otlp-exporter-base: retries, timeouts, headers, the
 * OTEL_EXPORTER_OTLP_* settings), built as @opentelemetry/exporter-trace-otlp-proto builds its
 * OTLPTraceExporter, with a serializer that passes on the bytes the batch processor encoded.
 */
function protobufExporter(url: string): BatchExporter {
  const http = convertLegacyHttpOptions({ url }, 'TRACES', 'v1/traces', { 'Content-Type': 'application/x-protobuf' })
  const serializer: ISerializer<EncodedBatch, IExportTraceServiceResponse> = {
    serializeRequest: (batch) => batch.body,
    deserializeResponse: (data) => ProtobufTraceSerializer.deserializeResponse(data),
  }
  // The SDK's export metrics count a batch's spans (its helper reads a ReadableSpan array's length).
  const spans = { name: TraceExporterMetricsHelper.name, countItems: (batch: EncodedBatch) => batch.length }
  return new OTLPExporterBase(createOtlpHttpExportDelegate(http, serializer, 'otlp_http_span_exporter', spans, undefined))
}

/** The SDK's sampler for OTEL_TRACES_SAMPLER's value, as its BasicTracerProvider builds it. */
function samplerFor({ name, ratio }: TracingConfig['sampler']): Sampler {
  switch (name) {
    case 'always_on':
      return new AlwaysOnSampler()
    case 'always_off':
      return new AlwaysOffSampler()
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(ratio)
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() })
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) })
    default:
      return new ParentBasedSampler({ root: new AlwaysOnSampler() })
  }
}

export function createTracing(options: TracingOptions): TraceHandle {
  const resource = resourceFromAttributes({ [ATTR_SERVICE_NAME]: options.serviceName })
  const scope: InstrumentationScope = { name: 'agentctl-reference-agent' }
  const losses = options.warn && lossLog(options.url, options.warn)
  const processor = options.processor ?? batchProcessor(options, resource, scope, losses)
  const recorder: SpanRecorder = {
    processor,
    resource,
    scope,
    ids: new RandomIdGenerator(),
    sampler: samplerFor(options.sampler),
    valueLengthLimit: options.valueLengthLimit,
  }
  return {
    startTurn: (headers) => startTurn(recorder, parentFrom(headers.traceparent, headers.tracestate)),
    // The losses counted inside the last minute are warned about too: before the last spans are
    // sent, and after (the caller may stop waiting for the export; it cannot for these).
    shutdown: () => {
      losses?.flush()
      return processor.shutdown().finally(() => losses?.flush())
    },
    // The SDK's processor (http/json) does not say how many spans it still holds.
    unsent: () => (processor instanceof EncodingBatchProcessor ? processor.unsent : undefined),
  }
}
