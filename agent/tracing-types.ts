/**
 * The shapes the hot path sees of tracing (tracing.ts). Types only: importing them loads no
 * OpenTelemetry code, so an agent without OTEL_EXPORTER_OTLP_ENDPOINT pays nothing for them.
 */
export interface TraceHandle {
  /** Starts a turn's server span, a child of the caller's W3C trace context when it sent one. */
  startTurn(headers: { traceparent?: unknown; tracestate?: unknown }): TurnTrace
  /** Flushes the spans still buffered, then stops exporting. */
  shutdown(): Promise<void>
  /** Spans not yet known to be exported (waiting or in an export still out); undefined when the processor does not say (http/json). */
  unsent(): number | undefined
}

export interface TurnTrace {
  readonly traceId: string
  /** W3C Trace Context Level 2 `traceresponse` naming the turn's server span: sent on the answer. */
  readonly traceresponse: string
  /** Adds attributes to the turn's span (session id, model, iterations, tokens). */
  annotate(attributes: Record<string, string | number | boolean | undefined>): void
  /** One LLM attempt; `retry` counts from 0 (the first try) within the turn's LLM call. */
  llmAttempt(model: string, retry: number): LlmAttemptTrace
  /** One tool call; the returned function ends its span with the registry's outcome. */
  tool(name: string, callId: string): (outcome: string) => void
  /** The turn's PostgreSQL commit; the returned function ends its span. */
  commit(): (error?: unknown) => void
  /** Ends the turn's span with the HTTP status it answered (and its error code, when not 200). */
  end(status: number, attributes: Record<string, string | number | boolean | undefined>, errorCode?: string): void
}

export interface LlmAttemptTrace {
  /** W3C `traceparent` naming this attempt's span: sent on the LLM request. */
  traceparent: string
  succeeded(result: { responseModel?: string; inputTokens?: number; outputTokens?: number; finishReason?: string }): void
  failed(error: unknown, kind?: string, status?: number): void
}
