/**
 * The verdicts `agentctl validate --only resilience` must give each framework agent, derived from
 * the framework's own code (paths relative to fixtures/agents/frameworks/node_modules, versions
 * pinned in its package-lock.json). fixtures/agents/frameworks/README.md has the same tables in
 * prose. `cause` must appear in a non-pass finding's message: the observed cause, not a guess.
 */
export type Verdict = 'pass' | 'warn' | 'fail'

export interface Expectation {
  status: Verdict
  /** What the message must say (a non-pass verdict names what was observed). */
  cause?: RegExp
  /** Why, from the framework's code. */
  why: string
}

export type Table = Record<string, Expectation>

// ---- the HTTP layer and what no framework here does by default ----
const EMPTY_MESSAGE_REACHES_LLM: Expectation = {
  status: 'fail',
  cause: /empty message: reached the LLM/,
  why: 'nothing between the route and the model checks the message: an empty one is sent to the LLM (express.json() only parses; body-parser/lib/utils.js:47 caps bodies at 100kb -> 413)',
}
const LIVENESS: Expectation = { status: 'pass', why: 'GET /health answers {"status":"ok"} without touching the LLM' }
const NO_LIMITER: Expectation = { status: 'warn', cause: /no 429 after \d+ requests/, why: 'no framework here ships a per-client rate limiter' }
const NO_BREAKER: Expectation = {
  status: 'fail',
  cause: /kept calling the failing LLM/,
  why: 'no circuit breaker in the framework: every request retries the failing LLM',
}
const NO_FALLBACK: Expectation = {
  status: 'fail',
  cause: /never tried another model/,
  why: 'one model configured and no fallback in the framework defaults',
}

// The `openai` client (openai/client.mjs) under the Agents SDK and the A2A agent:
//  - maxRetries 2 (1503-1504), retries 408/409/429/>=500 whatever the error code (1118-1139),
//    so 429 insufficient_quota is retried twice;
//  - honours retry-after-ms / retry-after up to 60 s (1140-1166), else 0.5 s x 2^n, max 8 s (1195-1203);
//  - timeout 10 minutes (238, 1820).
const OPENAI_CLIENT_RETRIES_QUOTA: Expectation = {
  status: 'fail',
  cause: /insufficient_quota: gpt-4o-mini called 3 times/,
  why: 'openai/client.mjs:1133 retries every 429, insufficient_quota included, maxRetries 2 (1504)',
}
const OPENAI_CLIENT_RETRY_AFTER: Expectation = {
  status: 'pass',
  why: 'openai/client.mjs:1142-1166 waits retry-after-ms (or Retry-After) when under 60 s; 2 retries bound a persistent 429 (1504)',
}
const OPENAI_CLIENT_NO_TIMEOUT: Expectation = {
  status: 'fail',
  cause: /gave no answer within 10/,
  why: 'openai/client.mjs:1820 DEFAULT_TIMEOUT is 10 minutes and nothing shorter is set',
}

export const EXPECTED: Record<string, Table> = {
  // Vercel AI SDK 7 (ai 7.0.185, @ai-sdk/openai 4.0.126), streamText + UI-message stream.
  'ai-sdk': {
    'input-validation': EMPTY_MESSAGE_REACHES_LLM,
    'liveness-isolation': LIVENESS,
    'retry-after': {
      status: 'pass',
      why: 'ai/dist/default-stop-condition-2oQvBMQu.js:1996-2013 waits retry-after-ms / Retry-After (0-60 s) instead of its backoff; maxRetries 2 (2040) bounds a persistent 429',
    },
    'no-retry-permanent-errors': {
      status: 'fail',
      cause: /insufficient_quota: gpt-4o-mini called 3 times/,
      why: '@ai-sdk/provider/dist/index.js:70 marks every 429 retryable (insufficient_quota included); 2 retries (ai/dist/default-stop-condition-2oQvBMQu.js:2040)',
    },
    'llm-timeout': {
      status: 'fail',
      cause: /gave no answer within 10/,
      why: 'streamText has no timeout unless `timeout`/`abortSignal` is passed (ai/docs/07-reference/01-ai-sdk-core/02-stream-text.mdx:492-496); the fetch has none',
    },
    'model-fallback': NO_FALLBACK,
    'circuit-breaker': NO_BREAKER,
    'bad-llm-output': {
      status: 'warn',
      cause: /truncated-stream: .*empty/,
      why: 'a stream cut before finish ends the UI stream with no text and no error part; stopWhen isStepCount(5) caps the tool loop at 5 calls, ending with no text (empty answer); malformed chunks become an `error` part "An error occurred." (ai/dist/index.js:4187)',
    },
    'rate-limiting': NO_LIMITER,
  },

  // LangGraph.js createReactAgent on ChatOpenAI({ maxRetries: 2, timeout: undefined }) as the
  // @langchain/openai docs instantiate it (openai/dist/chat_models/index.d.ts:74-86).
  langgraph: {
    'input-validation': EMPTY_MESSAGE_REACHES_LLM,
    'liveness-isolation': LIVENESS,
    'retry-after': {
      status: 'pass',
      why: '@langchain/core/dist/utils/p-retry/index.js:68 waits max(backoff, retryAfterMs); maxRetries 2 bounds a persistent 429',
    },
    'no-retry-permanent-errors': {
      status: 'pass',
      why: '@langchain/core/dist/utils/async_caller.js:12-23 never retries 400..413; :140 stops on insufficient_quota; a content-filter finish is not an error',
    },
    'llm-timeout': {
      status: 'fail',
      cause: /gave no answer within 10/,
      why: 'timeout: undefined reaches the openai client (@langchain/openai/dist/chat_models/base.js:323), whose default is 10 minutes',
    },
    'model-fallback': NO_FALLBACK,
    'circuit-breaker': NO_BREAKER,
    'bad-llm-output': {
      status: 'warn',
      cause: /bad-tool-args: .*empty/,
      why: 'unparseable tool arguments end the ReAct loop with an empty AIMessage ({"response": ""}); parse errors answer 500 {"error"}; the tool loop stops at recursionLimit 25 (@langchain/core/dist/runnables/config.js:85) with a clear 500',
    },
    'rate-limiting': NO_LIMITER,
  },

  // OpenAI Agents SDK 0.20 in chat-completions mode: the `openai` client's retries, maxTurns 10.
  'openai-agents-chat': {
    'input-validation': EMPTY_MESSAGE_REACHES_LLM,
    'liveness-isolation': LIVENESS,
    'retry-after': OPENAI_CLIENT_RETRY_AFTER,
    'no-retry-permanent-errors': OPENAI_CLIENT_RETRIES_QUOTA,
    'llm-timeout': OPENAI_CLIENT_NO_TIMEOUT,
    'model-fallback': NO_FALLBACK,
    'circuit-breaker': NO_BREAKER,
    'bad-llm-output': {
      status: 'pass',
      why: 'parse errors and MaxTurnsExceededError (maxTurns 10, @openai/agents-core/dist/runner/constants.mjs:2) reject run(); the route answers 500 {"error":{message}}',
    },
    'rate-limiting': NO_LIMITER,
  },

  // OpenAI Agents SDK 0.20 in its DEFAULT mode (Responses API, agents-openai/dist/defaults.mjs:3).
  'openai-agents-responses': {
    'input-validation': EMPTY_MESSAGE_REACHES_LLM,
    'liveness-isolation': LIVENESS,
    'retry-after': OPENAI_CLIENT_RETRY_AFTER,
    'no-retry-permanent-errors': OPENAI_CLIENT_RETRIES_QUOTA,
    'llm-timeout': OPENAI_CLIENT_NO_TIMEOUT,
    'model-fallback': NO_FALLBACK,
    'circuit-breaker': NO_BREAKER,
    'bad-llm-output': { status: 'pass', why: 'as openai-agents-chat: a failed run() answers 500 {"error":{message}}' },
    'rate-limiting': NO_LIMITER,
  },

  // @a2a-js/sdk 1.3 server; its LLM call is openai.chat.completions.create; failures end the
  // task in TASK_STATE_FAILED inside a JSON-RPC 200.
  a2a: {
    'input-validation': EMPTY_MESSAGE_REACHES_LLM,
    'liveness-isolation': LIVENESS,
    'retry-after': OPENAI_CLIENT_RETRY_AFTER,
    'no-retry-permanent-errors': OPENAI_CLIENT_RETRIES_QUOTA,
    'llm-timeout': OPENAI_CLIENT_NO_TIMEOUT,
    'model-fallback': NO_FALLBACK,
    'circuit-breaker': NO_BREAKER,
    'bad-llm-output': {
      status: 'warn',
      cause: /empty-choices: .*empty/,
      why: 'empty choices complete the task with an empty artifact (choices[0]?.message?.content ?? ""); parse errors fail the task with their message',
    },
    'rate-limiting': NO_LIMITER,
  },

  // Mastra 1.71 Agent with a model fallback array [{primary, maxRetries: 2}, {fallback, maxRetries: 1}].
  mastra: {
    'input-validation': EMPTY_MESSAGE_REACHES_LLM,
    'liveness-isolation': LIVENESS,
    'retry-after': {
      status: 'pass',
      why: '@mastra/core/dist/agent-BOxKOk3n.js:26138-26146: p-retry 1 s x 2^n, topped up to Retry-After (capped 30 s, :18160); maxRetries per model bounds a persistent 429',
    },
    'no-retry-permanent-errors': {
      status: 'fail',
      cause: /insufficient_quota: gpt-4o-mini called 3 times/,
      why: 'isRetryableModelError (agent-BOxKOk3n.js:25968-25972) follows APICallError.isRetryable, true for every 429 (@ai-sdk/provider)',
    },
    'llm-timeout': {
      status: 'fail',
      cause: /gave no answer within 10/,
      why: 'no modelSettings.timeout: the step timeout is undefined (agent-BOxKOk3n.js:26096-26108)',
    },
    'model-fallback': {
      status: 'pass',
      why: 'the model array falls through to the next entry when one fails (agent-BOxKOk3n.js:27625-27640)',
    },
    'circuit-breaker': NO_BREAKER,
    'bad-llm-output': {
      status: 'warn',
      cause: /bad-tool-args: .*empty/,
      why: 'the default stopWhen stepCountIs(5) (agent-BOxKOk3n.js:31225) ends a tool loop after 5 calls with empty text ({"text": ""})',
    },
    'rate-limiting': NO_LIMITER,
  },

  // @anthropic-ai/sdk messages.create with the tool-use loop of Anthropic's docs.
  anthropic: {
    'input-validation': EMPTY_MESSAGE_REACHES_LLM,
    'liveness-isolation': LIVENESS,
    'retry-after': {
      status: 'pass',
      why: '@anthropic-ai/sdk/client.mjs:928-952 waits retry-after-ms / Retry-After; maxRetries 2 (:170)',
    },
    'no-retry-permanent-errors': {
      status: 'pass',
      why: 'client.mjs:906-925 retries only 408/409/429/5xx: 400 and the 402 billing_error (Anthropic\'s quota answer) are not retried; a refusal is a stop_reason, not an error',
    },
    'llm-timeout': {
      status: 'fail',
      cause: /gave no answer within 10/,
      why: 'client.mjs:1094 DEFAULT_TIMEOUT 10 minutes',
    },
    'model-fallback': NO_FALLBACK,
    'circuit-breaker': NO_BREAKER,
    'bad-llm-output': {
      status: 'warn',
      cause: /empty-choices: .*empty/,
      why: 'a message with no content blocks is returned as an empty answer ({"answer":{"text":""}}); parse errors reject messages.create and answer {"error"}; the tool loop stops after 10 turns with a clear error (anthropic.mjs MAX_TURNS)',
    },
    'rate-limiting': NO_LIMITER,
  },
}
