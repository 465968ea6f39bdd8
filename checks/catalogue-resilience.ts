import type { Check } from '../src/check.js'
import { badLlmOutputCheck } from './bad-llm-output/check.js'
import { circuitBreakerCheck } from './circuit-breaker/check.js'
import { inputValidationCheck } from './input-validation/check.js'
import { livenessIsolationCheck } from './liveness-isolation/check.js'
import { llmTimeoutCheck } from './llm-timeout/check.js'
import { modelFallbackCheck } from './model-fallback/check.js'
import { noRetryPermanentErrorsCheck } from './no-retry-permanent-errors/check.js'
import { rateLimitingCheck } from './rate-limiting/check.js'
import { retryAfterCheck } from './retry-after/check.js'

/**
 * `agentctl validate` resilience checks: proven by behaviour through the mock LLM. They share the
 * 'mock-llm' lock, so the runner runs them one after another in THIS order: checks that leave
 * state behind run late (the breaker stays open a while; bad output may crash a broken agent;
 * the rate-limit burst trips the limiter, so it runs last).
 */
export const resilienceCatalogue: Check[] = [
  inputValidationCheck,
  livenessIsolationCheck,
  retryAfterCheck,
  noRetryPermanentErrorsCheck,
  llmTimeoutCheck,
  modelFallbackCheck,
  circuitBreakerCheck,
  badLlmOutputCheck,
  rateLimitingCheck,
]
