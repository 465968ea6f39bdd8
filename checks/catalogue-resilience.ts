import type { Check } from '../src/check.js'

/** `agentctl validate` resilience checks: proven by behaviour through the mock LLM. */
export const resilienceCatalogue: Check[] = []
