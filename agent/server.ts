/**
 * The HTTP server (fastify): request ids, auth and rate limits before the body is even parsed,
 * one error shape for every failure, one log line and the HTTP metrics per request.
 */
import { randomUUID } from 'node:crypto'
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import type { Logger } from 'pino'
import type { AgentConfig } from './config.js'
import type { InFlight } from './drain.js'
import { ApiError, errorBody } from './errors.js'
import type { ApiKeyTable, Budget, RateLimiter } from './guard/index.js'
import { authenticate, mapBodyError } from './guard/index.js'
import type { ResilientLlm } from './llm/resilience.js'
import type { Memory } from './memory/index.js'
import type { Orchestrator } from './orchestrator.js'
import { registerChatRoute } from './routes/chat.js'
import { registerOpsRoutes } from './routes/ops.js'
import type { Telemetry } from './telemetry.js'
import type { TraceHandle } from './tracing-types.js'

export interface AgentDeps {
  config: AgentConfig
  logger: Logger
  telemetry: Telemetry
  memory: Memory
  llm: ResilientLlm
  orchestrator: Orchestrator
  keys: ApiKeyTable
  limiter: RateLimiter
  budget: Budget
  /** Set when SIGTERM arrived: /ready answers 503 so load balancers stop sending traffic. */
  draining: { value: boolean }
  /** Chats being processed; shutdown waits for them before closing the pools. */
  inFlight: InFlight
  /** OpenTelemetry spans per turn; undefined when no OTLP endpoint is configured. */
  tracing?: TraceHandle
}

export interface Principal {
  role: string
  keyId: string
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal
    /** The turn's trace (routes/chat.ts, tracing on): the exemplar of its request-duration observation. */
    traceId?: string
  }
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/
/** Routes that need a caller identity (auth + rate limit). Probes and metrics stay open. */
const PROTECTED = new Set(['/chat', '/sessions/:id/messages'])

export function buildServer(deps: AgentDeps): FastifyInstance {
  const { config, telemetry } = deps
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    // One line per request from onResponse instead of fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.maxBodyBytes,
    requestIdHeader: false,
    genReqId: (req) => {
      const incoming = req.headers['x-request-id']
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID()
    },
    return503OnClosing: true,
  })
  app.decorateRequest('principal', null as unknown as Principal)
  app.decorateRequest('traceId', undefined)

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id)
    if (!PROTECTED.has(request.routeOptions.url ?? '')) return
    const auth = authenticate(request.headers.authorization, deps.keys)
    if (!auth.ok) {
      reply.header('www-authenticate', 'Bearer')
      throw new ApiError(401, 'authentication_error', auth.reason === 'missing' ? 'missing API key: send Authorization: Bearer <key>' : 'invalid API key', {
        code: 'invalid_api_key',
      })
    }
    request.principal = { role: auth.role, keyId: auth.keyId }
    const bucket = deps.keys.enabled ? auth.keyId : `ip:${request.ip}`
    const limit = await deps.limiter.consume(bucket)
    reply.header('x-ratelimit-remaining', String(limit.remaining))
    if (!limit.ok) {
      throw new ApiError(429, 'rate_limit_exceeded', `rate limit of ${config.rateLimitPerMinute} requests per minute exceeded`, {
        retryAfterSec: Math.max(1, limit.retryAfterSec),
      })
    }
  })

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched' // the template, never the raw URL: bounded label values
    const labels = { route, method: request.method, status: String(reply.statusCode) }
    telemetry.httpRequests.inc(labels)
    telemetry.observeRequest(labels, reply.elapsedTime / 1000, request.traceId)
    if (route !== '/metrics' && route !== '/health') {
      request.log.info({ method: request.method, route, status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request')
    }
  })

  app.setErrorHandler((error: FastifyError, request, reply) => sendError(error, request, reply, config.maxBodyBytes))
  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send(errorBody(`no route for ${request.method} ${request.url.split('?')[0]}`, 'not_found', 'not_found'))
  })

  registerOpsRoutes(app, deps)
  registerChatRoute(app, deps)
  return app
}

function sendError(error: FastifyError, request: FastifyRequest, reply: FastifyReply, maxBodyBytes: number) {
  if (error instanceof ApiError) {
    if (error.options.retryAfterSec !== undefined) reply.header('retry-after', String(error.options.retryAfterSec))
    if (error.status >= 500) request.log.warn({ type: error.type, code: error.code, cause: errorCause(error) }, error.message)
    return reply.code(error.status).send(error.body())
  }
  const body = mapBodyError(error, maxBodyBytes)
  if (body) return reply.code(body.status).send(errorBody(body.message, 'invalid_request_error', body.code))
  if (error.statusCode && error.statusCode < 500) {
    return reply.code(error.statusCode).send(errorBody(error.message, 'invalid_request_error', error.code ?? null))
  }
  // A bug: log it with its stack, tell the client only what it needs to report it.
  request.log.error({ err: error }, 'unhandled error')
  return reply.code(500).send(errorBody(`internal error; quote request id ${request.id} when reporting it`, 'server_error', 'internal_error'))
}

function errorCause(error: Error): string | undefined {
  const cause = (error as { cause?: unknown }).cause
  return cause instanceof Error ? cause.message : undefined
}
