import type { Check } from '../src/check.js'

/** Checks owned by `agentctl diagnose`, including the dependency probes validate reuses. */
export const diagnoseCatalogue: Check[] = []
