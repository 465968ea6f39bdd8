/**
 * The agent's OTLP/protobuf encoder writes, byte for byte, what the SDK's ProtobufTraceSerializer
 * (@opentelemetry/otlp-transformer) writes for the same spans: the agent's own turn tree, and spans
 * with what the agent never makes but an SDK span can hold (events, links, trace state, a remote
 * parent, every attribute type, non-ASCII text, bodies past the one-byte and two-byte lengths),
 * each span encoded as it ends (SpanBatch) and the body built around them at export. A span it
 * cannot write as the SDK would (an ID that is not hex) is refused whole.
 */
import { describe, expect, it } from 'vitest'
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, createTraceState, trace } from '@opentelemetry/api'
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base'
import { SpanBatch } from '../../agent/otlp/encode.js'
import { createTracing } from '../../agent/tracing.js'
import { loadAgentConfig } from '../../agent/config.js'
import { decodeSpans } from '../support/otlp.js'

function recorder(service = 'encoder-test') {
  const exporter = new InMemorySpanExporter()
  const processor = new SimpleSpanProcessor(exporter)
  const provider = new BasicTracerProvider({ resource: resourceFromAttributes({ 'service.name': service, 'deployment.environment.name': 'tést' }), spanProcessors: [processor] })
  return { exporter, processor, provider }
}

const sdkBytes = (spans: ReadableSpan[]) => Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!)
/** The batch processor's way: each span appended as it ends, the body built at export (one resource and scope). */
function ourBytes(spans: ReadableSpan[]): Buffer {
  const batch = new SpanBatch()
  for (const span of spans) batch.add(span)
  return Buffer.from(batch.body(spans[0]!.resource, spans[0]!.instrumentationScope))
}

describe('OTLP/protobuf span encoder', () => {
  it("encodes the agent's turn tree exactly as the SDK does", () => {
    const { exporter, processor } = recorder()
    const tracing = createTracing({ ...loadAgentConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:1', OTEL_SERVICE_NAME: 'agent' }).tracing!, processor })
    const turn = tracing.startTurn({ traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', tracestate: 'vendor=abc' })
    const first = turn.llmAttempt('gpt-4o-mini', 0)
    first.failed(Object.assign(new Error('upstream 503'), { kind: 'server' }), 'server', 503)
    const retry = turn.llmAttempt('gpt-4o-mini', 1)
    retry.succeeded({ responseModel: 'gpt-4o-mini-2024-07-18', inputTokens: 120, outputTokens: 20, finishReason: 'tool_calls' })
    turn.tool('calculator', 'call_1')('success')
    turn.llmAttempt('gpt-4o-mini', 0).succeeded({ responseModel: 'gpt-4o-mini', inputTokens: 160, outputTokens: 12, finishReason: 'stop' })
    turn.annotate({ 'gen_ai.conversation.id': 'session-ü', 'agentctl.iterations': 2 })
    turn.commit()()
    turn.end(200, {})
    const spans = exporter.getFinishedSpans()
    expect(spans).toHaveLength(6)
    expect(ourBytes(spans).equals(sdkBytes(spans))).toBe(true)
    // And a collector reads it back: the tree, the retry number on the retry only.
    const decoded = decodeSpans(ourBytes(spans), 'application/x-protobuf')
    expect(decoded.map((s) => s.name)).toEqual(spans.map((s) => s.name))
    const resend = decoded.filter((s) => s.name.startsWith('chat ')).map((s) => s.attributes.find((a) => a.key === 'http.request.resend_count')?.value)
    expect(resend.map((v) => (v ? Number(v.intValue) : undefined))).toEqual([undefined, 1, undefined])
  })

  it('encodes events, links, trace state, a remote parent and every attribute type exactly as the SDK does', () => {
    const { exporter, provider } = recorder()
    const tracer = provider.getTracer('scope-a', '1.2.3')
    const remote = trace.setSpanContext(ROOT_CONTEXT, { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.SAMPLED, isRemote: true, traceState: createTraceState('a=1,b=2') })
    const span = tracer.startSpan('ünïcode span ✓', {
      kind: SpanKind.PRODUCER,
      links: [{ context: { traceId: '5bf92f3577b34da6a3ce929d0e0e4736', spanId: '10f067aa0ba902b7', traceFlags: TraceFlags.NONE, traceState: createTraceState('x=y') }, attributes: { why: 'batch' } }],
      attributes: {
        text: 'plain', emoji: '🦜 ok', surrogate: 'lone \ud800 half', empty: '',
        yes: true, no: false, zero: 0, small: 7, big: 2 ** 40, negative: -5, minInt: -(2 ** 53), pi: 3.14159, nan: Number.NaN, inf: Number.POSITIVE_INFINITY,
        words: ['a', 'b', 'ç'], flags: [true, false], numbers: [1, -2, 2.5], holes: ['x', null, 'y'] as unknown as string[],
        long: 'x'.repeat(300), longer: 'y'.repeat(20_000),
      },
    }, remote)
    span.addEvent('retry scheduled', { attempt: 2, reason: 'timeout' })
    span.addEvent('no attributes')
    span.setStatus({ code: SpanStatusCode.ERROR, message: 'failed: ✗' })
    span.end()
    recorder('another-service').provider.getTracer('scope-a').startSpan('elsewhere').end() // another provider: not recorded here
    const spans = exporter.getFinishedSpans()
    expect(ourBytes(spans).equals(sdkBytes(spans))).toBe(true)
  })

  it('encodes values the SDK types cannot make (bytes, key-value lists) exactly as the SDK does', () => {
    const { exporter, provider } = recorder()
    for (let i = 0; i < 3; i++) provider.getTracer('t').startSpan(`span-${i}`).end()
    const spans = exporter.getFinishedSpans()
    // A hand-made ReadableSpan with what only a custom processor could put there.
    const odd = { ...spans[0]!, name: 'odd', spanContext: spans[0]!.spanContext, droppedAttributesCount: 0, droppedEventsCount: 0, droppedLinksCount: 0, attributes: { raw: new Uint8Array([0, 1, 255]), map: { nested: 'v', n: 1, deeper: { list: [1, 'two'] } } } } as unknown as ReadableSpan
    const all = [...spans, odd]
    expect(ourBytes(all).equals(sdkBytes(all))).toBe(true)
  })

  it('encodes a batch past 64 KiB (the first buffer) exactly as the SDK does', () => {
    const { exporter, provider } = recorder()
    const tracer = provider.getTracer('bulk')
    for (let i = 0; i < 700; i++) tracer.startSpan(`span ${i % 7}`, { attributes: { i, note: 'n'.repeat(i % 200) } }).end()
    const spans = exporter.getFinishedSpans()
    const big = ourBytes(spans)
    expect(big.length).toBeGreaterThan(65_536)
    expect(big.equals(sdkBytes(spans))).toBe(true)
    const few = spans.slice(0, 3)
    expect(ourBytes(few).equals(sdkBytes(few))).toBe(true)
  })

  it('encodes names and keys past its cache (long ones, lone surrogates, more than it keeps) exactly as the SDK does', () => {
    const { exporter, provider } = recorder()
    const tracer = provider.getTracer('many')
    for (let i = 0; i < 1200; i++) tracer.startSpan(`execute_tool tool_${i} \ud83d`, { attributes: { [`key_${i}_\udc00`]: i, ['k'.repeat(200 + (i % 3))]: 'long key' } }).end()
    tracer.startSpan('n'.repeat(5000)).end()
    const spans = exporter.getFinishedSpans()
    expect(ourBytes(spans).equals(sdkBytes(spans))).toBe(true)
    expect(ourBytes(spans).equals(sdkBytes(spans))).toBe(true) // the second time, from the cache
  })

  it('encodes a 10 MB attribute, and the next small batch, exactly as the SDK does', () => {
    const { exporter, provider } = recorder()
    provider.getTracer('t').startSpan('huge', { attributes: { blob: 'é'.repeat(5_000_000) } }).end()
    provider.getTracer('t').startSpan('small').end()
    const [huge, small] = exporter.getFinishedSpans()
    expect(ourBytes([huge!]).equals(sdkBytes([huge!]))).toBe(true)
    expect(ourBytes([small!]).equals(sdkBytes([small!]))).toBe(true)
  })

  it('refuses whole a span it cannot write as the SDK would (an ID that is not hex, a negative kind, a count past 32 bits): the batch stays as it was', () => {
    const { exporter, provider } = recorder()
    provider.getTracer('t').startSpan('fine').end()
    provider.getTracer('t').startSpan('also fine', { attributes: { n: 1 } }).end()
    const [fine, also] = exporter.getFinishedSpans()
    const plain = { ...fine!, spanContext: () => fine!.spanContext(), droppedAttributesCount: 0, droppedEventsCount: 0, droppedLinksCount: 0 }
    const odd = (patch: object) => ({ ...plain, ...patch }) as unknown as ReadableSpan
    const notHex = odd({ spanContext: () => ({ ...fine!.spanContext(), spanId: 'zz' + fine!.spanContext().spanId.slice(2) }) })
    const batch = new SpanBatch()
    batch.add(fine!)
    for (const span of [notHex, odd({ kind: -5 }), odd({ droppedAttributesCount: 2 ** 33 }), odd({ status: { code: -1 } })]) {
      expect(() => batch.add(span)).toThrow()
    }
    batch.add(also!)
    expect(batch.length).toBe(2)
    expect(Buffer.from(batch.body(fine!.resource, fine!.instrumentationScope)).equals(sdkBytes([fine!, also!]))).toBe(true)
  })
})
