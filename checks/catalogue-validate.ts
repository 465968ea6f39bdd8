import type { Check } from '../src/check.js'

/** Checks owned by `agentctl validate` (config, resilience, security). */
export const validateCatalogue: Check[] = []
