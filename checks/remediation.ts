/**
 * Framework-aware remediation (issue 14). When the agent's framework is evident (target.framework,
 * AI SDK stream parts, x-powered-by), advice names that framework's own setting; otherwise it stays
 * generic. The reference agent's own settings (LLM_FALLBACK_MODELS, cockatiel) are named only for
 * `validate --self`.
 *
 * Framework facts, read in the packages h14b installs under fixtures/agents/frameworks/node_modules:
 *  - ai 7.0.185: `maxRetries` default 2, retries honour retry-after(-ms) up to 60 s
 *    (ai/dist/default-stop-condition-*.js:2000-2019); `timeout` and `abortSignal` call options
 *    (ai/dist/index-*.d.ts:1049); APICallError.isRetryable only for 408/409/429/5xx
 *    (@ai-sdk/provider/dist/index.js:70).
 *  - @langchain/core 1.4.0: AsyncCaller `maxRetries` default 6; never retries 400-409/413 or
 *    insufficient_quota (dist/utils/async_caller.js:12-22, 139-146); Runnable `.withFallbacks()`.
 *  - @openai/agents-core 0.20.0: `modelSettings.timeoutMs` per model call and opt-in
 *    `modelSettings.retry { maxRetries, policy }` (dist/model.d.ts:219-249, 319).
 *  - @mastra/core 1.71.0: Agent `model: [{ model, maxRetries }, …]` fallbacks (dist/agent/types.d.ts:496, 635).
 */
import type { CheckContext } from '../src/check.js'

export type Framework = 'reference' | 'ai-sdk' | 'langchain' | 'openai-agents' | 'mastra'
export type Topic = 'fallback' | 'breaker' | 'timeout' | 'retry-after' | 'bounded-retries' | 'permanent-errors'

const FRAMEWORK_KEY = 'resilience.framework'

/** Remembers a framework an answer gave away (AI SDK stream parts, x-powered-by) for the whole run. */
export function noteFramework(ctx: CheckContext, hint: string | undefined): void {
  if (hint && hint !== 'a2a' && !ctx.shared.has(FRAMEWORK_KEY)) ctx.shared.set(FRAMEWORK_KEY, hint)
}

/** The evident framework: config first, then what the agent's answers showed; the reference agent under --self. */
export function frameworkOf(ctx: CheckContext): Framework | undefined {
  const configured = ctx.config.target.framework
  if (configured && configured !== 'other' && configured !== 'a2a-js') return configured as Framework
  const seen = ctx.shared.get(FRAMEWORK_KEY) as string | undefined
  if (seen === 'ai-sdk' || seen === 'langchain' || seen === 'openai-agents' || seen === 'mastra') return seen
  return (ctx.options as { self?: boolean }).self ? 'reference' : undefined
}

const ADVICE: Record<Topic, Partial<Record<Framework, string>> & { generic: string }> = {
  fallback: {
    generic: 'Configure a fallback model (ideally on another provider) and route to it when the primary errors or its breaker is open.',
    reference: 'Configure a fallback model (e.g. LLM_FALLBACK_MODELS=gpt-4.1-mini, ideally on another provider) and route to it when the primary errors or its breaker is open.',
    'ai-sdk': 'The AI SDK has no built-in model fallback: catch the APICallError of generateText/streamText and call again with a second model (ideally another provider), and keep `maxRetries` low (default 2) so the fallback starts quickly.',
    langchain: 'Chain a fallback model: `primary.withFallbacks([fallback])` (LangChain Runnable.withFallbacks), and lower `maxRetries` on the primary (default 6) so it gives up quickly.',
    'openai-agents': 'The Agents SDK runs one model per agent: catch the failed run() and rerun with a fallback model (`agent.clone({ model: "gpt-4.1-mini" })`), keeping `modelSettings.retry.maxRetries` low so the fallback starts quickly.',
    mastra: 'Give the Agent a model list, `model: [{ model: primary, maxRetries: 1 }, { model: fallback, maxRetries: 1 }]`: Mastra moves on to the next model when one fails.',
  },
  breaker: {
    generic: 'Wrap the LLM call in a circuit breaker: after a few consecutive failures stop calling the provider and answer at once with 503 + Retry-After (or a fallback), then let one probe through after a half-open delay (10-30 s).',
    reference: 'Wrap the LLM client in a circuit breaker (e.g. cockatiel `circuitBreaker(handleAll, { halfOpenAfter: 10_000, breaker: new ConsecutiveBreaker(5) })`): after a few consecutive failures stop calling the provider and answer at once with 503 + Retry-After (or a fallback), then let one probe through after the half-open delay.',
    'ai-sdk': 'The AI SDK has no circuit breaker: wrap generateText/streamText (or the model, with wrapLanguageModel middleware) in one, so that after a few consecutive failures the route answers 503 + Retry-After at once instead of calling the provider (maxRetries 2 makes every request 3 calls).',
    langchain: 'LangChain has no circuit breaker: wrap model.invoke in one (or route around the primary with `.withFallbacks()`), and lower `maxRetries` (default 6): each request to a failing provider otherwise makes 7 calls.',
    'openai-agents': 'The Agents SDK has no circuit breaker: wrap run() in one so that after a few consecutive model failures the route answers 503 + Retry-After at once instead of calling the provider.',
    mastra: 'Mastra has no circuit breaker: wrap agent.generate/stream in one, and give the Agent a model list (`model: [{ model, maxRetries }, …]`) so a failing provider is skipped.',
  },
  timeout: {
    generic: "Put a deadline on every LLM call (e.g. fetch with AbortSignal.timeout(30_000), or the SDK's `timeout` option) and an overall request deadline; answer 504/503 (or a fallback) when it expires. The hang budget is max(2 x slo.p95Ms, 10s), capped at 30s.",
    'ai-sdk': 'Pass `timeout: 30_000` (or `abortSignal: AbortSignal.any([req.signal, AbortSignal.timeout(30_000)])`) to generateText/streamText, so a hung provider is cut off and a client that gave up stops the call; answer 504 when it expires.',
    langchain: 'Set `timeout` on the chat model (e.g. `new ChatOpenAI({ timeout: 30_000 })`) and pass the request\'s `signal` in invoke\'s config; answer 504 when it expires.',
    'openai-agents': 'Set `modelSettings: { timeoutMs: 30_000 }` on the Agent (a per-model-call timeout) and pass the request\'s `signal` to run(); answer 504 when it expires.',
    mastra: 'Pass `abortSignal: AbortSignal.timeout(30_000)` to agent.generate/stream and answer 504 when it expires.',
  },
  'retry-after': {
    generic: 'On 429, read the Retry-After header (seconds or HTTP date; also retry-after-ms) and wait at least that long before retrying, capped by the request deadline; if the deadline is shorter, fail fast instead of retrying early.',
    'ai-sdk': 'Keep the AI SDK\'s own retry (`maxRetries` > 0, default 2): it waits for retry-after(-ms) up to 60 s; a custom retry loop around generateText must do the same.',
    langchain: 'Let the chat model retry (`maxRetries`, default 6) rather than a custom loop, and make sure a 429\'s Retry-After is waited for (a custom `onFailedAttempt` can read it).',
    'openai-agents': 'Agents SDK retries are opt-in (`modelSettings.retry: { maxRetries, policy }`): enable them for 429 and make the policy wait for Retry-After before the next attempt.',
  },
  'bounded-retries': {
    generic: 'Bound retries (2-3 attempts with backoff and jitter) and give up with 503 + Retry-After when they are exhausted.',
    'ai-sdk': 'Keep `maxRetries` small (default 2) and pass a `timeout`/`abortSignal`, so a persistent 429 ends the request with an error the route turns into 503 + Retry-After.',
    langchain: 'Lower `maxRetries` (default 6, with exponential backoff that can take minutes) and set `timeout`, so a persistent 429 ends the request; answer 503 + Retry-After.',
    'openai-agents': 'Keep `modelSettings.retry.maxRetries` small and set `modelSettings.timeoutMs`, so a persistent 429 ends the run; answer 503 + Retry-After.',
    mastra: 'Keep `maxRetries` in the model list small and pass an `abortSignal`, so a persistent 429 ends the request; answer 503 + Retry-After.',
  },
  'permanent-errors': {
    generic: 'Retry only transient failures (timeouts, connection errors, 5xx, 429 with Retry-After). Return 400/422 context or content-filter errors and insufficient_quota to the caller at once (quota: alert, and fall back to another provider if you have one).',
    'ai-sdk': 'The AI SDK retries only errors marked isRetryable (408, 409, 429, 5xx), so an insufficient_quota 429 is retried by default: a custom retry, or `maxRetries: 0` with your own policy, must stop on 400s, content-filter refusals and insufficient_quota.',
    langchain: 'LangChain\'s AsyncCaller does not retry 400-409/413 or insufficient_quota: a custom `onFailedAttempt` or a retry wrapper around the model must keep it that way (content-filter refusals included).',
  },
}

export function advise(ctx: CheckContext, topic: Topic): string {
  const framework = frameworkOf(ctx)
  const table = ADVICE[topic]
  return (framework && table[framework]) ?? table.generic
}
