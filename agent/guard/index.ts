/**
 * Request guards of the reference agent: API-key auth (constant time), request validation,
 * prompt-injection heuristics, per-key rate limiting and the daily budget. Pure functions and
 * small stateful objects; the server wires them into its routes.
 */
export { parseApiKeys, apiKeysProblem, authenticate, keyIdOf } from './auth.js'
export type { ApiKeyTable, AuthResult } from './auth.js'
export { validateChatBody, checkContentType, mapBodyError, SESSION_ID_PATTERN, MAX_MESSAGE_CHARS } from './validate.js'
export type { ChatBody, ValidationResult, HttpRejection } from './validate.js'
export { detectInjection, INJECTION_PATTERNS, INJECTION_THRESHOLD } from './injection.js'
export type { InjectionVerdict, InjectionPattern } from './injection.js'
export { createRateLimiter } from './rate-limit.js'
export type { RateLimiter, RateLimitDecision, RateLimiterOptions } from './rate-limit.js'
export { createBudget } from './budget.js'
export type { Budget, BudgetOptions, BudgetDecision } from './budget.js'
export { resolveSecretFiles, SECRET_FILE_VARS } from './secret-files.js'
