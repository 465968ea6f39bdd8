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
 * together what they go through, all of it the SDK's: the batch span processor (OTEL_BSP_*), the
 * OTLP/HTTP export (with otlp/encode.ts's protobuf encoding), the sampler the environment names.
 * The parent is passed explicitly, not through a global context manager: nothing is registered
 * globally, so embedding the agent in an instrumented process changes neither its tracing nor the
 * host's.
 */
import { type Context, createTraceState, ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api'
import { OTLPTraceExporter as OTLPJsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http'
import { OTLPExporterBase } from '@opentelemetry/otlp-exporter-base'
import { convertLegacyHttpOptions, createOtlpHttpExportDelegate } from '@opentelemetry/otlp-exporter-base/node-http'
import { TraceExporterMetricsHelper } from '@opentelemetry/otlp-transformer'
import { type ExportResult, ExportResultCode } from '@opentelemetry/core'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { AlwaysOffSampler, AlwaysOnSampler, BatchSpanProcessor, ParentBasedSampler, RandomIdGenerator, type ReadableSpan, type Sampler, type SpanExporter, type SpanProcessor, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace-base'
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions'
import { parseTraceHeader } from '../src/contracts/trace-context.js'
import type { TracingConfig } from './config.js'
import type { TraceHandle } from './tracing-types.js'
import { traceSerializer } from './otlp/encode.js'
import { type SpanRecorder, startTurn } from './turn-spans.js'

/** The agent's tracing configuration (config.ts: its defaults, its checks), and two hooks. */
export interface TracingOptions extends TracingConfig {
  /** For tests: a processor to use instead of the batch exporter. */
  processor?: SpanProcessor
  /** Where failed exports are reported (the agent's logger); the SDK's own report goes to a diag logger nobody set. */
  warn?: (message: string, fields: { otlp: string; dropped: number }) => void
}

/** At most one warning a minute about failed exports; the spans dropped meanwhile are counted in it. */
const EXPORT_WARNING_INTERVAL_MS = 60_000

/**
 * The exporter, reporting its failures: without this, spans sent to a wrong URL, a gRPC port or a
 * collector that refuses them are dropped without a word (the SDK reports to `diag`, and the agent
 * registers nothing global: see above).
 */
function reportingFailures(exporter: SpanExporter, url: string, warn: NonNullable<TracingOptions['warn']>): SpanExporter {
  let dropped = 0
  let warnedAt = -Infinity
  return {
    export(spans: ReadableSpan[], done: (result: ExportResult) => void) {
      exporter.export(spans, (result) => {
        if (result.code !== ExportResultCode.SUCCESS) {
          dropped += spans.length
          if (Date.now() - warnedAt >= EXPORT_WARNING_INTERVAL_MS) {
            warn(exportFailure(url, result.error, dropped), { otlp: url, dropped })
            warnedAt = Date.now()
            dropped = 0
          }
        }
        done(result)
      })
    },
    shutdown: () => exporter.shutdown(),
    forceFlush: () => exporter.forceFlush?.() ?? Promise.resolve(),
  }
}

/**
 * The warning's text: what failed, how much was lost, and the usual mistake when the URL names
 * port 4317. A password in the URL is masked by the agent's logger (message and fields alike).
 */
export function exportFailure(url: string, error: (Error & { code?: unknown }) | undefined, dropped: number): string {
  // The exporter's HTTP errors carry the status in `code` and only its text in the message.
  const reason = `${typeof error?.code === 'number' ? `HTTP ${error.code} ` : ''}${error?.message || 'no reason given'}`
  const grpcPort = new URL(url).port === '4317' ? '; port 4317 is OTLP/gRPC, and the agent speaks OTLP/HTTP: point it at the collector\'s OTLP/HTTP port, usually 4318' : ''
  return `OTLP trace export to ${url} failed (${dropped} span${dropped === 1 ? '' : 's'} dropped): ${reason}${grpcPort}`
}

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

function exporterFor(options: TracingOptions): SpanExporter {
  const exporter = options.protocol === 'http/json' ? new OTLPJsonTraceExporter({ url: options.url }) : protobufExporter(options.url)
  return options.warn ? reportingFailures(exporter, options.url, options.warn) : exporter
}

/**
 * The SDK's OTLP/protobuf exporter (@opentelemetry/exporter-trace-otlp-proto) with its serializer
 * swapped for otlp/encode.ts's, which writes the same bytes for a fraction of the CPU: built as
 * that package builds it (its OTLPTraceExporter is these four lines), so the HTTP export, its
 * retries and the OTEL_EXPORTER_OTLP_* settings are the SDK's own.
 */
function protobufExporter(url: string): SpanExporter {
  const http = convertLegacyHttpOptions({ url }, 'TRACES', 'v1/traces', { 'Content-Type': 'application/x-protobuf' })
  return new OTLPExporterBase(createOtlpHttpExportDelegate(http, traceSerializer, 'otlp_http_span_exporter', TraceExporterMetricsHelper, undefined))
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
  const processor = options.processor ?? new BatchSpanProcessor(exporterFor(options), options.batch)
  const recorder: SpanRecorder = {
    processor,
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: options.serviceName }),
    scope: { name: 'agentctl-reference-agent' },
    ids: new RandomIdGenerator(),
    sampler: samplerFor(options.sampler),
    valueLengthLimit: options.valueLengthLimit,
  }
  return {
    startTurn: (headers) => startTurn(recorder, parentFrom(headers.traceparent, headers.tracestate)),
    shutdown: () => processor.shutdown(),
  }
}
