/**
 * The mock LLM's scenario catalogue as plain data: the names and params its control API accepts
 * (docs/CONTRACTS.md "Mock LLM API formats"). A contract, so the engine (load's --mock-llm parser)
 * can check a scenario without importing the harness; no zod, no tokenizer, so
 * `agentctl mock-llm --help` and docs load it without paying for the mock's runtime.
 */
export interface ScenarioInfo {
  name: string
  /** One line for --help (<= 58 characters: it must fit 80 columns beside the name). */
  summary: string
  /** What a production-ready agent should do when its LLM behaves like this. */
  agentShould: string
  /** Params this scenario accepts (model, probability and count included). */
  params: Record<string, string>
}

const COMMON = { model: 'only calls for this model', probability: 'chance 0..1 that a matching call is affected', count: 'affect only the next N matching calls' }

const info = (name: string, summary: string, agentShould: string, params: Record<string, string> = {}): ScenarioInfo => ({
  name, summary, agentShould, params: { ...COMMON, ...params },
})

export const SCENARIOS: ScenarioInfo[] = [
  info('healthy', 'Correct, fast answers: JSON, SSE, tool calls, usage.', 'Answer; record tokens and cost.'),
  info('slow', 'Adds latency: fixed or p50/p95; stream ttft/inter-token.',
    'Stay inside its own deadline: time out, fall back or answer "try again"; never hold a request past the SLO.',
    { latencyMs: 'fixed total latency', p50Ms: 'median of a log-normal latency', p95Ms: '95th percentile', ttftMs: 'stream: time to first token', interTokenMs: 'stream: delay between tokens' }),
  info('hang', 'Never answers; released when the client gives up.', 'Abort the call on its own timeout, free the request, retry once or fail fast with a clear error.'),
  info('error-storm', 'Every call fails: 500/502/503 rotating, or one status.',
    'Retry with backoff and jitter a bounded number of times, then open a circuit breaker or use a fallback model.', { status: '500 | 502 | 503' }),
  info('flaky', 'A share of calls (probability, default 0.3) get 5xx.', 'Retries hide the errors from users; errors and retries show in metrics.', { status: '500 | 502 | 503' }),
  info('rate-limited', '429 rate_limit_exceeded, Retry-After + retry-after-ms.',
    'Wait at least Retry-After before retrying (no hammering), shed or queue load, surface 429s in metrics.', { retryAfterMs: 'advertised delay (default 1000)' }),
  info('quota', '429 insufficient_quota: billing exhausted.', 'Not retry; alert, switch provider or model, answer with a clear degraded message.'),
  info('bad-request', 'A plain 400 invalid_request_error.', 'Never retry a 400; log it with the request id and fail the turn.', { message: 'the error message' }),
  info('context-length', '400 context_length_exceeded (or only above a size).',
    'Not retry as-is: trim or summarise history and try once more, or fail with a clear message.', { maxContextTokens: 'fail only prompts above this many tokens' }),
  info('content-filter', "finish_reason content_filter, no content (or a 400).",
    'Detect the filter instead of showing an empty answer; reply with a safe refusal and log it.', { mode: "'finish' (default) | 'error'" }),
  info('malformed-json', '200 whose body (or an SSE event) is not valid JSON.', 'Treat it as a retryable provider error; never crash or store garbage.'),
  info('truncated-stream', 'Stream stops halfway: no finish_reason, no [DONE].', 'Notice the missing finish_reason; retry or discard the partial answer, never present it as complete.'),
  info('connection-reset', 'TCP reset before the response (or mid-stream).',
    'Retry idempotent calls with backoff; count connection errors apart from HTTP errors.', { midStream: 'reset streamed answers after half their tokens' }),
  info('empty-choices', '200 with choices: [].', 'Validate the response shape; retry or fail cleanly instead of throwing on choices[0].'),
  info('bad-tool-args', "Tool calls with non-JSON or schema-breaking arguments.",
    'Validate tool arguments before running anything, send the error back to the model, cap the attempts.', { mode: "'invalid-json' (default) | 'schema'" }),
  info('tool-loop', 'Always asks for another tool call, never answers.', 'Stop at a maximum number of iterations and answer with what it has.'),
  info('length', 'finish_reason length: answer or tool arguments cut off.', 'Detect truncation: continue, raise max_tokens or tell the user; never run a truncated tool call.'),
]

export const SCENARIO_NAMES = SCENARIOS.map((s) => s.name)
