/**
 * The batch span processor of the agent's OTLP/protobuf export. It behaves as the SDK's
 * BatchSpanProcessor (@opentelemetry/sdk-trace's BatchSpanProcessorBase.js) under the same
 * OTEL_BSP_* settings: sampled spans only; a batch leaves when it is full or `scheduledDelayMillis`
 * after the first span waiting; one export at a time; spans past `maxQueueSize` waiting are
 * dropped; an export that has not answered in `exportTimeoutMillis` no longer holds the next;
 * forceFlush and shutdown send everything waiting.
 *
 * What differs: each span is encoded when it ends (encode.ts's SpanBatch) and the processor keeps
 * those bytes, outside the JS heap, not the span objects. The SDK's processor holds up to a batch
 * of spans (512 by default: a tenth of a second of the agent's spans under load) across the
 * young-generation collections that run meanwhile, each of which copied them, and most ended up
 * in the old generation; encoded on the spot, the span is garbage as soon as its turn is. Two
 * agents under the same load: 0.978x the CPU per chat of the same agent exporting through the
 * SDK's processor (agent/README.md, Traces).
 *
 * What it does better than the SDK's: spans dropped on a full queue, or that could not be encoded,
 * are reported (`onDrop`), where the SDK says so only to a diag logger nobody set.
 */
import { TraceFlags } from '@opentelemetry/api'
import { type ExportResult, ExportResultCode } from '@opentelemetry/core'
import type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace-base'
import type { BatchSettings } from '../config.js'
import { SpanBatch } from './encode.js'

/** An ExportTraceServiceRequest's bytes, and how many spans it holds (the SDK's export metrics read `length`). */
export interface EncodedBatch {
  body: Uint8Array
  length: number
}

export interface BatchExporter {
  export(batch: EncodedBatch, done: (result: ExportResult) => void): void
  shutdown(): Promise<void>
}

export interface EncodingBatchOptions extends BatchSettings {
  exporter: BatchExporter
  /** Every span this processor takes is of this resource and scope (the agent's recorder makes them so). */
  resource: ReadableSpan['resource']
  scope: ReadableSpan['instrumentationScope']
  /** Spans lost before export: the queue was full, or the span could not be encoded. */
  onDrop?: (count: number, reason: string) => void
}

/** About what one of the agent's spans takes encoded (200-450 bytes). */
const SPAN_BYTES = 512

export class EncodingBatchProcessor implements SpanProcessor {
  /** Batches waiting, oldest first; the last one fills. */
  private readonly waiting: SpanBatch[] = []
  private queued = 0
  /** Spans in exports that have not settled yet. */
  private exported = 0
  private exporting = false
  private timer: NodeJS.Timeout | undefined
  private shutdownPromise: Promise<void> | undefined
  /** The reason a span is dropped on a full queue: made once, as under overload every span is. */
  private readonly queueFull: string

  constructor(private readonly options: EncodingBatchOptions) {
    this.queueFull = `the queue holds OTEL_BSP_MAX_QUEUE_SIZE (${options.maxQueueSize}) spans`
  }

  onStart(): void {}

  /** Spans taken and not yet known to be exported: waiting, or in an export still out. */
  get unsent(): number {
    return this.queued + this.exported
  }

  onEnd(span: ReadableSpan): void {
    if (this.shutdownPromise || (span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) return
    const { maxQueueSize, maxExportBatchSize, resource, scope } = this.options
    if (this.queued >= maxQueueSize) return this.options.onDrop?.(1, this.queueFull)
    if (span.resource !== resource || span.instrumentationScope !== scope) return this.options.onDrop?.(1, 'a span of another resource or scope')
    const last = this.waiting.at(-1)
    // A batch's first buffer is sized for a batch of small spans (it grows past that), not 64 KiB
    // each whatever the batch size: 2048 batches of one span would hold 128 MiB.
    const batch = last && last.length < maxExportBatchSize ? last : new SpanBatch(Math.min(SPAN_BYTES * maxExportBatchSize, 1 << 16))
    try {
      batch.add(span)
    } catch (error) {
      return this.options.onDrop?.(1, `a span the encoder cannot write: ${(error as Error).message}`)
    }
    if (batch !== last) this.waiting.push(batch) // only now: a batch is never empty
    this.queued++
    this.maybeStart()
  }

  forceFlush(): Promise<void> {
    if (this.shutdownPromise) return this.shutdownPromise
    return this.flushAll()
  }

  shutdown(): Promise<void> {
    // The exporter is shut down (which waits for every export still out) even when a batch
    // failed, so those exports' outcomes are known, and reported, before shutdown settles.
    const exporterShutdown = () => this.options.exporter.shutdown()
    this.shutdownPromise ??= this.flushAll().then(exporterShutdown, (error) => exporterShutdown().then(() => Promise.reject(error)))
    return this.shutdownPromise
  }

  private flushAll(): Promise<void> {
    const batches = this.waiting.length // exportOne takes them off the list
    return Promise.all(Array.from({ length: batches }, () => this.exportOne())).then(() => undefined)
  }

  /** As the SDK's _maybeStartTimer: a full batch leaves now, else the first span waiting starts the delay. */
  private maybeStart(): void {
    if (this.exporting) return
    if (this.queued >= this.options.maxExportBatchSize) return this.startExport()
    if (this.timer !== undefined) return
    this.timer = setTimeout(() => this.startExport(), this.options.scheduledDelayMillis).unref()
  }

  private startExport(): void {
    this.exporting = true
    // A failed export is reported by the exporter (tracing.ts); here it only frees the way.
    void this.exportOne()
      .catch(() => undefined)
      .finally(() => {
        this.exporting = false
        if (this.queued > 0) {
          this.clearTimer()
          this.maybeStart()
        }
      })
  }

  private exportOne(): Promise<void> {
    this.clearTimer()
    const batch = this.waiting.shift()
    if (!batch) return Promise.resolve()
    this.queued -= batch.length
    this.exported += batch.length
    const body = batch.body(this.options.resource, this.options.scope)
    return new Promise((resolve, reject) => {
      // Past it, the next batch may start; the export itself goes on under its own timeout.
      const timeout = setTimeout(() => reject(new Error('Timeout')), this.options.exportTimeoutMillis)
      this.options.exporter.export({ body, length: batch.length }, (result) => {
        clearTimeout(timeout)
        this.exported -= batch.length
        if (result.code === ExportResultCode.SUCCESS) resolve()
        else reject(result.error ?? new Error('span export failed'))
      })
    })
  }

  private clearTimer(): void {
    clearTimeout(this.timer)
    this.timer = undefined
  }
}
