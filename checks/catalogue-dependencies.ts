import type { Check } from '../src/check.js'
import { agentHealthCheck } from './agent-health/check.js'
import { agentProtocolCheck } from './agent-protocol/check.js'
import { agentReadyCheck } from './agent-ready/check.js'
import { llmEndpointCheck } from './llm-endpoint/check.js'
import { natsCheck } from './nats/check.js'
import { postgresCheck } from './postgres/check.js'
import { prometheusCheck } from './prometheus/check.js'
import { redisCheck } from './redis/check.js'
import { tlsCertificatesCheck } from './tls-certificates/check.js'

/**
 * Dependency probes (agent health/ready, Redis, PostgreSQL, LLM, Prometheus, NATS, TLS): run by
 * diagnose under 'connectivity' and by validate under 'dependencies' (see Check.categoryByMode).
 * Each is bounded below its check timeout and always closes its connection.
 */
export const dependencyCatalogue: Check[] = [agentHealthCheck, agentReadyCheck, agentProtocolCheck, redisCheck, postgresCheck, prometheusCheck, llmEndpointCheck, natsCheck, tlsCertificatesCheck]
