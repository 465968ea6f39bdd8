import type { Check } from '../src/check.js'

/**
 * Dependency probes (agent health/ready, Redis, PostgreSQL, LLM, Prometheus, NATS, TLS): run by
 * diagnose under 'connectivity' and by validate under 'dependencies' (see Check.categoryByMode).
 */
export const dependencyCatalogue: Check[] = []
