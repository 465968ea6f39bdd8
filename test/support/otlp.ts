/**
 * Reads an OTLP/HTTP traces request body the way a collector does, in either encoding, into the
 * OTLP/JSON shape (hex ids, `attributes: [{ key, value: { stringValue | intValue | … } }]`), so a
 * test checks one shape whichever protocol the agent was told to use.
 *
 * The protobuf schema is the part of opentelemetry-proto's `trace/v1/trace.proto`,
 * `common/v1/common.proto`, `resource/v1/resource.proto` and `collector/trace/v1/trace_service.proto`
 * that a span needs, with the specification's field numbers; protobufjs decodes it, not the
 * exporter's own code, so a wrong encoding fails here.
 */
import protobuf from 'protobufjs'

export interface OtlpSpan {
  traceId: string
  spanId: string
  parentSpanId?: string
  name: string
  kind: number
  startTimeUnixNano: string
  status?: { code?: number; message?: string }
  attributes: Array<{ key: string; value: Record<string, unknown> }>
}

const TRACE_PROTO = `
syntax = "proto3";
package opentelemetry.proto;
message AnyValue {
  oneof value {
    string string_value = 1; bool bool_value = 2; int64 int_value = 3; double double_value = 4;
    ArrayValue array_value = 5; KeyValueList kvlist_value = 6; bytes bytes_value = 7;
  }
}
message ArrayValue { repeated AnyValue values = 1; }
message KeyValueList { repeated KeyValue values = 1; }
message KeyValue { string key = 1; AnyValue value = 2; }
message InstrumentationScope { string name = 1; string version = 2; repeated KeyValue attributes = 3; uint32 dropped_attributes_count = 4; }
message Resource { repeated KeyValue attributes = 1; uint32 dropped_attributes_count = 2; }
message Status { string message = 2; int32 code = 3; }
message Span {
  bytes trace_id = 1; bytes span_id = 2; string trace_state = 3; bytes parent_span_id = 4; string name = 5;
  int32 kind = 6; fixed64 start_time_unix_nano = 7; fixed64 end_time_unix_nano = 8; repeated KeyValue attributes = 9;
  uint32 dropped_attributes_count = 10; uint32 dropped_events_count = 12; uint32 dropped_links_count = 14;
  Status status = 15; fixed32 flags = 16;
}
message ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; string schema_url = 3; }
message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; string schema_url = 3; }
message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
`
const Request = protobuf.parse(TRACE_PROTO, { keepCase: false }).root.lookupType('opentelemetry.proto.ExportTraceServiceRequest')

/** Every span in one request body; `contentType` picks the decoder, as a collector's does. */
export function decodeSpans(body: Buffer, contentType: string | undefined): OtlpSpan[] {
  if (/json/.test(contentType ?? '')) {
    const request = JSON.parse(body.toString('utf8')) as { resourceSpans: Array<{ scopeSpans: Array<{ spans: OtlpSpan[] }> }> }
    return request.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans))
  }
  if (!/protobuf/.test(contentType ?? '')) throw new Error(`OTLP/HTTP body of content-type ${contentType}: neither JSON nor protobuf`)
  const decoded = Request.toObject(Request.decode(body), { longs: String, bytes: Array, defaults: false, oneofs: false }) as {
    resourceSpans?: Array<{ scopeSpans?: Array<{ spans?: RawSpan[] }> }>
  }
  return (decoded.resourceSpans ?? []).flatMap((rs) => (rs.scopeSpans ?? []).flatMap((ss) => (ss.spans ?? []).map(span)))
}

interface RawKeyValue {
  key: string
  value?: Record<string, unknown>
}
interface RawSpan {
  traceId: number[]
  spanId: number[]
  parentSpanId?: number[]
  name: string
  kind?: number
  startTimeUnixNano: string
  status?: { code?: number; message?: string }
  attributes?: RawKeyValue[]
}

const hex = (bytes: number[] | undefined) => (bytes && bytes.length > 0 ? Buffer.from(bytes).toString('hex') : undefined)

function span(raw: RawSpan): OtlpSpan {
  return {
    traceId: hex(raw.traceId)!,
    spanId: hex(raw.spanId)!,
    ...(hex(raw.parentSpanId) ? { parentSpanId: hex(raw.parentSpanId) } : {}),
    name: raw.name,
    kind: raw.kind ?? 0,
    startTimeUnixNano: raw.startTimeUnixNano,
    status: { code: raw.status?.code ?? 0, ...(raw.status?.message ? { message: raw.status.message } : {}) },
    attributes: (raw.attributes ?? []).map(keyValue),
  }
}

/** protobufjs leaves bytes and nested arrays in its own shape; OTLP/JSON spells them as below. */
function keyValue(raw: RawKeyValue): OtlpSpan['attributes'][number] {
  return { key: raw.key, value: anyValue(raw.value ?? {}) }
}

function anyValue(value: Record<string, unknown>): Record<string, unknown> {
  if ('arrayValue' in value) return { arrayValue: { values: ((value.arrayValue as { values?: Array<Record<string, unknown>> }).values ?? []).map(anyValue) } }
  return value
}
