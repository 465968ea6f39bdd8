/**
 * The OTLP/protobuf batch processor (agent/otlp/batch-processor.ts) behaves as the SDK's
 * BatchSpanProcessor under the same settings (full batches leave at once, a partial one after the
 * delay, one export at a time, a full queue drops, a silent export stops holding the next one
 * after its timeout, shutdown sends what waits), and each body is byte for byte what the SDK's
 * serializer writes for the same spans.
 */
import { describe, expect, it } from 'vitest'
import { ExportResultCode, type ExportResult } from '@opentelemetry/core'
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer'
import type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace-base'
import { type EncodedBatch, EncodingBatchProcessor } from '../../agent/otlp/batch-processor.js'
import { createTracing } from '../../agent/tracing.js'
import { loadAgentConfig } from '../../agent/config.js'
import { decodeSpans } from '../support/otlp.js'

/** `turns` of the agent's own tree (5 spans each), recorded by its recorder. */
function agentSpans(turns: number): ReadableSpan[] {
  const spans: ReadableSpan[] = []
  const keep: SpanProcessor = { onStart() {}, onEnd: (span) => void spans.push(span), shutdown: async () => {}, forceFlush: async () => {} }
  const tracing = createTracing({ ...loadAgentConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:1' }).tracing!, processor: keep })
  for (let i = 0; i < turns; i++) {
    const turn = tracing.startTurn({})
    turn.llmAttempt('gpt-4o-mini', 0).succeeded({ responseModel: 'gpt-4o-mini', inputTokens: 10 + i, outputTokens: 3, finishReason: 'tool_calls' })
    turn.tool('calculator', `call_${i}`)('success')
    turn.llmAttempt('gpt-4o-mini', 0).succeeded({ responseModel: 'gpt-4o-mini', inputTokens: 20 + i, outputTokens: 5, finishReason: 'stop' })
    turn.commit()()
    turn.end(200, {})
  }
  return spans
}

/** An exporter that keeps what it is given; `hold` leaves the callbacks to the test. */
function exporter({ hold = false } = {}) {
  const batches: EncodedBatch[] = []
  const pending: Array<(result: ExportResult) => void> = []
  let shutdowns = 0
  return {
    batches,
    pending,
    shutdowns: () => shutdowns,
    export(batch: EncodedBatch, done: (result: ExportResult) => void) {
      batches.push(batch)
      if (hold) pending.push(done)
      else setImmediate(() => done({ code: ExportResultCode.SUCCESS }))
    },
    shutdown: async () => void shutdowns++,
  }
}

const settings = { scheduledDelayMillis: 60_000, maxExportBatchSize: 4, maxQueueSize: 100, exportTimeoutMillis: 30_000 }
const sdkBytes = (spans: ReadableSpan[]) => Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!)
const tick = () => new Promise((resolve) => setImmediate(resolve))

function processorFor(spans: ReadableSpan[], exp: ReturnType<typeof exporter>, overrides: Partial<typeof settings> = {}, onDrop?: (count: number, reason: string) => void) {
  return new EncodingBatchProcessor({ ...settings, ...overrides, exporter: exp, resource: spans[0]!.resource, scope: spans[0]!.instrumentationScope, onDrop })
}

describe('OTLP/protobuf batch processor', () => {
  it("sends full batches at once, one export at a time, and the rest on flush: the SDK serializer's bytes, in order", async () => {
    const spans = agentSpans(3)
    const exp = exporter()
    const processor = processorFor(spans, exp)
    for (const span of spans) processor.onEnd(span)
    expect(exp.batches).toHaveLength(1) // the first full batch left at once; the next waits for it
    await processor.forceFlush()
    await tick()
    expect(exp.batches.map((b) => b.length)).toEqual([4, 4, 4, 3])
    let at = 0
    for (const batch of exp.batches) {
      expect(Buffer.from(batch.body).equals(sdkBytes(spans.slice(at, at + batch.length)))).toBe(true)
      at += batch.length
    }
    const names = exp.batches.flatMap((b) => decodeSpans(Buffer.from(b.body), 'application/x-protobuf').map((s) => s.name))
    expect(names).toEqual(spans.map((s) => s.name))
  })

  it('sends a partial batch after the schedule delay', async () => {
    const spans = agentSpans(1)
    const exp = exporter()
    const processor = processorFor(spans, exp, { scheduledDelayMillis: 30, maxExportBatchSize: 512 })
    for (const span of spans) processor.onEnd(span)
    await new Promise((resolve) => setTimeout(resolve, 10))
    expect(exp.batches).toHaveLength(0)
    await new Promise((resolve) => setTimeout(resolve, 60))
    expect(exp.batches.map((b) => b.length)).toEqual([5])
  })

  it('drops spans past the queue while an export is out, and says so; the rest leave once it answers', async () => {
    const spans = agentSpans(2) // 10 spans
    const exp = exporter({ hold: true })
    const drops: string[] = []
    const processor = processorFor(spans, exp, { maxExportBatchSize: 2, maxQueueSize: 6 }, (count, reason) => drops.push(`${count} ${reason}`))
    for (const span of spans) processor.onEnd(span)
    // 2 out in the first export, 6 waiting, 2 dropped.
    expect(exp.batches.map((b) => b.length)).toEqual([2])
    expect(processor.unsent).toBe(8) // what shutdown would still wait for
    expect(drops).toEqual(['1 the queue holds OTEL_BSP_MAX_QUEUE_SIZE (6) spans', '1 the queue holds OTEL_BSP_MAX_QUEUE_SIZE (6) spans'])
    exp.pending.shift()!({ code: ExportResultCode.SUCCESS })
    await tick()
    await tick()
    expect(exp.batches.map((b) => b.length)).toEqual([2, 2])
    while (exp.pending.length) {
      exp.pending.shift()!({ code: ExportResultCode.SUCCESS })
      await tick()
      await tick()
    }
    expect(exp.batches.map((b) => b.length)).toEqual([2, 2, 2, 2])
    expect(processor.unsent).toBe(0)
  })

  it('stops waiting for a silent export after the export timeout, and sends the next batch', async () => {
    const spans = agentSpans(1)
    const exp = exporter({ hold: true })
    const processor = processorFor(spans, exp, { maxExportBatchSize: 2, exportTimeoutMillis: 30 })
    for (const span of spans) processor.onEnd(span)
    expect(exp.batches).toHaveLength(1)
    await new Promise((resolve) => setTimeout(resolve, 80))
    expect(exp.batches.length).toBeGreaterThanOrEqual(2)
  })

  it('on shutdown sends what waits, shuts the exporter down once, and takes no more spans', async () => {
    const spans = agentSpans(2)
    const exp = exporter()
    const processor = processorFor(spans, exp, { maxExportBatchSize: 512 })
    for (const span of spans.slice(0, 5)) processor.onEnd(span)
    await Promise.all([processor.shutdown(), processor.shutdown()])
    for (const span of spans.slice(5)) processor.onEnd(span)
    await processor.forceFlush()
    expect(exp.batches.map((b) => b.length)).toEqual([5])
    expect(exp.shutdowns()).toBe(1)
  })

  it('takes sampled spans only, and reports a span of another resource or one it cannot encode', async () => {
    const spans = agentSpans(1)
    const exp = exporter()
    const drops: string[] = []
    const processor = processorFor(spans, exp, { maxExportBatchSize: 512 }, (_count, reason) => drops.push(reason))
    const unsampled = { ...spans[0]!, spanContext: () => ({ ...spans[0]!.spanContext(), traceFlags: 0 }) } as ReadableSpan
    const foreign = { ...spans[0]!, resource: { ...spans[0]!.resource }, spanContext: () => spans[0]!.spanContext() } as ReadableSpan
    const notHex = { ...spans[1]!, spanContext: () => ({ ...spans[1]!.spanContext(), spanId: 'not-hex-not-hex!' }) } as ReadableSpan
    for (const span of [notHex, unsampled, foreign, spans[2]!]) processor.onEnd(span)
    await processor.forceFlush()
    expect(exp.batches.map((b) => b.length)).toEqual([1]) // no empty batch from the refused first span
    expect(drops).toEqual([expect.stringMatching(/^a span the encoder cannot write: ID "not-hex-not-hex!" is not hex$/), 'a span of another resource or scope'])
  })

  it("in the agent's tracing, every span lost is warned about: the first at once, the rest of the minute at its end or at shutdown", async () => {
    const warnings: Array<{ message: string; dropped: number }> = []
    const config = loadAgentConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:1', OTEL_BSP_MAX_QUEUE_SIZE: '2', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '2' }).tracing!
    const tracing = createTracing({ ...config, warn: (message, { dropped }) => void warnings.push({ message, dropped }) })
    for (let i = 0; i < 3; i++) {
      const turn = tracing.startTurn({})
      turn.llmAttempt('gpt-4o-mini', 0).succeeded({ responseModel: 'gpt-4o-mini', inputTokens: 1, outputTokens: 1, finishReason: 'stop' })
      turn.end(200, {})
    }
    // 6 spans: 2 went out in the first export, 2 wait, 2 were dropped; the first drop is warned about at once.
    const full = 'dropped before export (the queue holds OTEL_BSP_MAX_QUEUE_SIZE (2) spans)'
    expect(warnings).toEqual([{ message: `OTLP trace export to http://127.0.0.1:1/v1/traces: 1 span ${full}`, dropped: 1 }])
    await tracing.shutdown().catch(() => undefined)
    const dropped = warnings.filter((w) => w.message.includes(full))
    expect(dropped.map((w) => w.dropped)).toEqual([1, 1])
    // Nothing listens on port 1: the 4 spans exported are lost too, and counted, whatever the exporter's retries did.
    const failed = warnings.filter((w) => w.message.includes(' failed ('))
    expect(failed.reduce((sum, w) => sum + w.dropped, 0)).toBe(4)
  }, 30_000)
})
