import type { Check } from '../src/check.js'

/** `agentctl diagnose` insight checks: performance, resources, secrets, cost. */
export const diagnoseCatalogue: Check[] = []
