/**
 * OTLP/protobuf encoding of a batch of spans (an ExportTraceServiceRequest): byte for byte what
 * @opentelemetry/otlp-transformer's ProtobufTraceSerializer writes (test/agent/otlp-encoder.test.ts
 * compares the two on the agent's turn tree and on spans with events, links, trace state and every
 * attribute type), for less CPU. Field numbers and order: opentelemetry-proto's trace.proto, as
 * the SDK's trace-serializer.js writes them.
 *
 * Why: the SDK's serializer was most of what tracing cost per turn (in a loop of traced turns
 * exporting to a receiver in another process, 15 of 25 us; 14 us a chat in the agent's profile
 * under bench/agent's load). It runs every span twice (once to size the body, once to write it)
 * and turns hex IDs and strings into bytes a character at a time. This one writes once, converts
 * IDs and strings in native code and keeps the encoded attribute keys and span names, which repeat
 * on every span: the loop's tracing cost fell from 25-31 us a turn to 16-18.
 *
 * Each span is encoded when it ends (SpanBatch, for batch-processor.ts) and the request is built
 * around the batch's bytes at export; tracing.ts hands them to the SDK's own OTLP/HTTP export
 * (retries, timeouts, headers, OTEL_EXPORTER_OTLP_* settings). A span holding anything this cannot
 * encode as the SDK would (an ID that is not hex, a count or enum that is not an unsigned 32-bit
 * integer: the SDK never makes either, nor does the agent's recorder) is refused whole.
 */
import type { Attributes } from '@opentelemetry/api'
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base'
import { FIXED32, FIXED64, LEN, VARINT, Writer } from './writer.js'

/** SpanFlags (trace.proto): the W3C trace flags; bit 8, whether the parent is remote is known; bit 9, it is. */
const spanFlags = (traceFlags: number, isRemote: boolean | undefined) => (traceFlags & 0xff) | 0x100 | (isRemote ? 0x200 : 0)

type Resource = ReadableSpan['resource']
type Scope = ReadableSpan['instrumentationScope'] & { attributes?: Attributes; droppedAttributesCount?: number }

/** AnyValue: the SDK's choice of field for each JS type (null and undefined: an empty message). */
function anyValue(w: Writer, value: unknown): void {
  if (typeof value === 'string') w.tag(1, LEN).string(value)
  else if (typeof value === 'boolean') w.tag(2, VARINT).uint(value ? 1 : 0)
  else if (typeof value === 'number') {
    if (Number.isInteger(value) && value >= -(2 ** 63) && value < 2 ** 63) w.tag(3, VARINT).int64(value)
    else w.tag(4, FIXED64).double(value)
  } else if (value instanceof Uint8Array) w.tag(7, LEN).bytes(value)
  else if (Array.isArray(value)) {
    const list = w.tag(5, LEN).begin(1)
    for (const item of value) {
      const at = w.tag(1, LEN).begin(1)
      anyValue(w, item)
      w.end(at)
    }
    w.end(list)
  } else if (typeof value === 'object' && value !== null) {
    const list = w.tag(6, LEN).begin(1)
    attributes(w, value as Attributes, 1)
    w.end(list)
  }
}

/** Each own property as a KeyValue in `field`. */
function attributes(w: Writer, attrs: Attributes | undefined, field: number): void {
  if (!attrs) return
  for (const name in attrs) {
    if (!Object.prototype.hasOwnProperty.call(attrs, name)) continue
    const kv = w.tag(field, LEN).begin(1)
    const value = w.tag(1, LEN).repeatedString(name).tag(2, LEN).begin(1)
    anyValue(w, attrs[name])
    w.end(value).end(kv)
  }
}

function span(w: Writer, s: ReadableSpan): void {
  const at = w.begin(2)
  const ctx = s.spanContext()
  w.tag(1, LEN).id(ctx.traceId).tag(2, LEN).id(ctx.spanId)
  const traceState = ctx.traceState?.serialize()
  if (traceState) w.tag(3, LEN).string(traceState)
  if (s.parentSpanContext?.spanId) w.tag(4, LEN).id(s.parentSpanContext.spanId)
  w.tag(5, LEN).repeatedString(s.name)
  const kind = s.kind == null ? 0 : s.kind + 1 // the SDK's enum starts at INTERNAL = 0, OTLP's at UNSPECIFIED
  if (kind !== 0) w.tag(6, VARINT).uint(kind)
  w.tag(7, FIXED64).time(s.startTime).tag(8, FIXED64).time(s.endTime)
  attributes(w, s.attributes, 9)
  w.tag(10, VARINT).uint(s.droppedAttributesCount)
  for (const event of s.events) {
    const e = w.tag(11, LEN).begin(2)
    w.tag(1, FIXED64).time(event.time).tag(2, LEN).repeatedString(event.name)
    attributes(w, event.attributes, 3)
    w.tag(4, VARINT).uint(event.droppedAttributesCount || 0).end(e)
  }
  w.tag(12, VARINT).uint(s.droppedEventsCount)
  for (const link of s.links) {
    const l = w.tag(13, LEN).begin(2)
    const linked = link.context
    w.tag(1, LEN).id(linked.traceId).tag(2, LEN).id(linked.spanId)
    const linkedState = linked.traceState?.serialize()
    if (linkedState) w.tag(3, LEN).string(linkedState)
    attributes(w, link.attributes, 4)
    w.tag(5, VARINT).uint(link.droppedAttributesCount || 0)
    w.tag(6, FIXED32).fixed32(spanFlags(linked.traceFlags, linked.isRemote)).end(l)
  }
  w.tag(14, VARINT).uint(s.droppedLinksCount)
  const status = w.tag(15, LEN).begin(1)
  if (s.status.message) w.tag(2, LEN).string(s.status.message)
  w.tag(3, VARINT).uint(s.status.code).end(status)
  w.tag(16, FIXED32).fixed32(spanFlags(ctx.traceFlags, s.parentSpanContext?.isRemote))
  w.end(at)
}

/** A ScopeSpans message; `spans` writes its span entries (field 2). */
function scopeSpans(w: Writer, scope: Scope, spans: (w: Writer) => void): void {
  const at = w.begin(3)
  const sc = w.tag(1, LEN).begin(1)
  w.tag(1, LEN).repeatedString(scope.name)
  if (scope.version) w.tag(2, LEN).repeatedString(scope.version)
  attributes(w, scope.attributes, 3)
  if (scope.droppedAttributesCount) w.tag(4, VARINT).uint(scope.droppedAttributesCount)
  w.end(sc)
  spans(w)
  if (scope.schemaUrl) w.tag(3, LEN).string(scope.schemaUrl)
  w.end(at)
}

/**
 * The spans of one batch, each encoded when it ends (a ScopeSpans entry, field 2): the batch
 * processor (batch-processor.ts) keeps these bytes, not the span objects. The buffer is the
 * writer's own, outside the JS heap.
 */
export class SpanBatch {
  private readonly w: Writer
  /** Spans in the batch (named as the SDK's export metrics count a batch: its length). */
  length = 0

  /** `bytes`: the first buffer's size; it doubles as spans need. */
  constructor(bytes?: number) {
    this.w = new Writer(bytes)
  }

  /**
   * Appends the span, or throws NotEncodable and leaves the batch as it was when the span holds
   * what this encoder cannot write as the SDK would (an ID that is not hex, a count or enum that
   * is not an unsigned 32-bit integer). The agent's recorder makes neither.
   */
  add(s: ReadableSpan): void {
    const start = this.w.pos
    try {
      span(this.w.tag(2, LEN), s)
    } catch (error) {
      this.w.rewind(start)
      throw error
    }
    this.length++
  }

  /** The ExportTraceServiceRequest holding the batch: one resource, one scope, its spans in order. */
  body(resource: Resource, scope: Scope): Uint8Array {
    const w = new Writer(this.w.pos + HEADER_ROOM)
    const at = w.tag(1, LEN).begin(3)
    const r = w.tag(1, LEN).begin(2)
    attributes(w, resource.attributes, 1)
    w.tag(2, VARINT).uint(0).end(r)
    scopeSpans(w.tag(2, LEN), scope, (inner) => inner.raw(this.w.buf.subarray(0, this.w.pos)))
    if (resource.schemaUrl) w.tag(3, LEN).string(resource.schemaUrl)
    w.end(at)
    return w.buf.subarray(0, w.pos)
  }
}

/** Room for a body's resource and scope around its spans; the writer grows past it if needed. */
const HEADER_ROOM = 1024
