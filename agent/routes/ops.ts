/**
 * Operational endpoints: liveness, readiness (application/health+json), metrics, and the stored
 * turns of a session.
 *
 * Readiness policy: PostgreSQL down -> 503 (no turn could be stored). Redis down -> 200 "warn"
 * (degraded: history is read from PostgreSQL). LLM breakers open -> 200 "warn": the LLM is shared
 * by every replica, so pulling replicas out of the load balancer would not help and would turn a
 * provider incident into a full outage; /chat already answers 503 + Retry-After instantly.
 */
import type { FastifyInstance } from 'fastify'
import { sessionNotFound } from '../errors.js'
import { OPENMETRICS_CONTENT_TYPE, openMetricsText, wantsOpenMetrics } from '../openmetrics.js'
import type { AgentDeps } from '../server.js'

type Status = 'pass' | 'warn' | 'fail'
interface CheckResult {
  componentId?: string
  componentType: string
  status: Status
  observedValue?: number | string
  observedUnit?: string
  time: string
  output?: string
}

const HEALTH_JSON = 'application/health+json'
const PROBE_TIMEOUT_MS = 1500

export function registerOpsRoutes(app: FastifyInstance, deps: AgentDeps): void {
  app.get('/health', async (_request, reply) => reply.type(HEALTH_JSON).send({ status: 'pass', description: 'agentctl reference agent: process alive' }))

  app.get('/ready', async (_request, reply) => {
    const [postgres, redis] = await Promise.all([probePostgres(deps), probeRedis(deps)])
    const breakers: CheckResult[] = deps.llm.pool.states().map(({ model, state }) => ({
      componentId: model,
      componentType: 'system',
      status: state === 'closed' ? 'pass' : 'warn',
      observedValue: state,
      time: new Date().toISOString(),
    }))
    const checks = { 'postgresql:responseTime': [postgres], 'redis:responseTime': [redis], 'llm:circuitBreaker': breakers }
    const all = [postgres, redis, ...breakers]
    let status: Status = all.some((c) => c.status === 'fail') ? 'fail' : all.some((c) => c.status === 'warn') ? 'warn' : 'pass'
    const notes: string[] = []
    if (deps.draining.value) {
      status = 'fail'
      notes.push('shutting down: draining in-flight requests')
    }
    if (redis.status === 'warn') notes.push('degraded: Redis unavailable, serving history from PostgreSQL')
    if (postgres.status === 'fail') notes.push('PostgreSQL unavailable: chats are refused with 503')
    return reply
      .code(status === 'fail' ? 503 : 200)
      .type(HEALTH_JSON)
      .send({ status, ...(notes.length ? { output: notes.join('; ') } : {}), checks })
  })

  app.get('/metrics', async (request, reply) => {
    const { registry, exemplars } = deps.telemetry
    // OpenMetrics only carries something the classic text cannot when there are exemplars (tracing on).
    if (exemplars && wantsOpenMetrics(request.headers.accept)) return reply.type(OPENMETRICS_CONTENT_TYPE).send(await openMetricsText(registry))
    return reply.type(registry.contentType).send(await registry.metrics())
  })

  app.get<{ Params: { id: string } }>('/sessions/:id/messages', async (request) => {
    const { owner, messages } = await deps.memory.store.messages(request.params.id)
    // Another key's session reads as "not found", word for word: no confirmation that the id exists.
    if (!owner || (owner !== request.principal.keyId && request.principal.role !== 'admin')) throw sessionNotFound('id')
    return { session_id: request.params.id, messages }
  })
}

async function probePostgres(deps: AgentDeps): Promise<CheckResult> {
  const started = performance.now()
  try {
    await withTimeout(deps.memory.store.ping(), PROBE_TIMEOUT_MS)
    return result('datastore', 'pass', started, deps.memory.embedded ? 'embedded PGlite' : undefined)
  } catch (error) {
    // A busy replica is still ready: failing readiness would take it out of service for being loaded.
    if (deps.memory.store.health.saturated()) return result('datastore', 'warn', started, 'busy: every pooled connection is in use, queries still complete')
    return result('datastore', 'fail', started, `PostgreSQL unreachable: ${(error as Error).message}`)
  }
}

async function probeRedis(deps: AgentDeps): Promise<CheckResult> {
  const cache = deps.memory.store.cache
  const started = performance.now()
  if (cache.kind === 'memory') return result('datastore', 'pass', started, 'embedded in-process cache (REDIS_URL unset)')
  try {
    await withTimeout(cache.ping(), PROBE_TIMEOUT_MS)
    return result('datastore', cache.status() === 'ok' ? 'pass' : 'warn', started, cache.status() === 'ok' ? undefined : 'recovering: cache breaker still open')
  } catch (error) {
    return result('datastore', 'warn', started, `Redis unreachable (degraded, PostgreSQL serves history): ${(error as Error).message}`)
  }
}

function result(componentType: string, status: Status, started: number, output?: string): CheckResult {
  return {
    componentType,
    status,
    observedValue: Math.round((performance.now() - started) * 10) / 10,
    observedUnit: 'ms',
    time: new Date().toISOString(),
    ...(output ? { output } : {}),
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}
