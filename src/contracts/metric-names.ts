/**
 * The reference agent's Prometheus metric names: a contract shared with diagnose (performance,
 * cost, resources) and load (token deltas). Any agent exposing these names gets the full diagnosis.
 */
export const METRICS = {
  /** counter {route, method, status} */
  httpRequests: 'agent_http_requests_total',
  /** histogram seconds {route, method, status} */
  httpDuration: 'agent_http_request_duration_seconds',
  /** counter {model, outcome}: outcome = success | error | timeout | rate_limited | breaker_open | invalid_response */
  llmRequests: 'agent_llm_requests_total',
  /** histogram seconds {model} */
  llmDuration: 'agent_llm_request_duration_seconds',
  /** counter {model, kind}: kind = prompt | completion */
  llmTokens: 'agent_llm_tokens_total',
  /** counter {model} */
  llmCost: 'agent_llm_cost_usd_total',
  /** gauge {model}: 0 closed, 1 open, 2 half-open */
  breakerState: 'agent_circuit_breaker_state',
  /** counter {tool, outcome}: outcome = success | error | timeout | denied | invalid_args */
  toolCalls: 'agent_tool_calls_total',
  /** gauge: sessions with a turn in the last 15 minutes */
  activeSessions: 'agent_active_sessions',
  /** gauge: USD spent today (UTC) against the daily budget */
  budgetSpent: 'agent_budget_spent_usd',
  /** gauge: the configured daily budget in USD (0 = none) */
  budgetDaily: 'agent_budget_daily_usd',
  // prom-client process defaults are exposed too: process_resident_memory_bytes,
  // process_cpu_seconds_total, nodejs_eventloop_lag_seconds, nodejs_heap_size_used_bytes, ...
} as const

/**
 * The exemplar label naming a trace: with tracing on, the reference agent's request histogram
 * carries `# {trace_id="<32 hex>"} <seconds> <unix time>` on the bucket of a chat it counted
 * (OpenMetrics, served when the scraper asks for it). OpenTelemetry's Prometheus exporters use the
 * same name; diagnose also reads `traceId` (prom-client's default metrics) and `traceID`.
 */
export const EXEMPLAR_TRACE_LABEL = 'trace_id'

export const BREAKER_STATE = { closed: 0, open: 1, halfOpen: 2 } as const
