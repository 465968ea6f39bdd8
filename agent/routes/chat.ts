/**
 * POST /chat. Order matters: cheap refusals first (shape, injection, known outages, budget),
 * then the idempotency claim, then the expensive part (LLM + tools), then the commit. The 200 is
 * sent only after the turn is committed in PostgreSQL.
 */
import { randomUUID } from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Logger } from 'pino'
import { deadline } from '../deadline.js'
import { ApiError, databaseUnavailable, sessionNotFound } from '../errors.js'
import { checkContentType, detectInjection, validateChatBody } from '../guard/index.js'
import { llmFailureToApiError } from '../llm/http-status.js'
import { claimKey, releaseKey, requestHash } from '../memory/idempotency.js'
import { spentBeforeFailure } from '../orchestrator.js'
import { type AuditRow, insertAuditRows } from '../tools/index.js'
import type { AgentDeps } from '../server.js'
import type { TurnTrace } from '../tracing-types.js'
import { newTurnTiming, serverTiming, type TurnTiming } from './server-timing.js'

export interface ChatResponse {
  response: string
  session_id: string
  iterations: number
  model: string
  usage: { prompt_tokens: number; completion_tokens: number; cost_usd: number }
}

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/

export function registerChatRoute(app: FastifyInstance, deps: AgentDeps): void {
  app.post('/chat', async (request, reply) => {
    if (!deps.tracing) return chat(deps, request, reply)
    const trace = deps.tracing.startTurn({ traceparent: request.headers.traceparent, tracestate: request.headers.tracestate })
    // The caller learns which trace holds this turn (W3C Trace Context Level 2), error answers
    // included; the request's log lines (access line, error warnings) carry the same id, and so
    // does its request-duration observation, as an exemplar (telemetry.ts).
    reply.header('traceresponse', trace.traceresponse)
    // Fastify gives each request its own child logger: binding the trace id onto it costs a fraction
    // of a second child (pino's child() rebuilds the redaction and serializers per call).
    ;(request.log as Logger).setBindings({ traceId: trace.traceId })
    request.traceId = trace.traceId
    try {
      const answered = await chat(deps, request, reply, trace)
      trace.end(reply.statusCode, {})
      return answered
    } catch (error) {
      const api = error instanceof ApiError ? error : undefined
      trace.end(api?.status ?? 500, {}, api?.code ?? 'internal_error')
      throw error
    }
  })
}

async function chat(deps: AgentDeps, request: FastifyRequest, reply: FastifyReply, trace?: TurnTrace): Promise<FastifyReply> {
  const contentType = checkContentType(request.headers['content-type'])
  if (!contentType.ok) throw new ApiError(contentType.status, 'invalid_request_error', contentType.message, { code: contentType.code })
  const parsed = validateChatBody(request.body)
  if (!parsed.ok) throw new ApiError(400, 'invalid_request_error', parsed.message, { code: 'invalid_request', param: parsed.param })
  const body = parsed.value
  const { store } = deps.memory

  const injection = detectInjection(body.message)
  if (injection.flagged) {
    request.log.warn({ audit: 'prompt_injection', score: injection.score, patterns: injection.patterns, mode: deps.config.promptInjectionMode }, 'prompt injection suspected')
    if (deps.config.promptInjectionMode === 'block') {
      throw new ApiError(400, 'invalid_request_error', 'the message looks like a prompt-injection attempt and was refused', {
        code: 'prompt_injection_blocked',
        param: 'message',
      })
    }
  }
  // PostgreSQL down: nothing could be stored (or replayed); answer before any other work.
  if (!store.available()) throw databaseUnavailable()
  const owner = request.principal.keyId
  const key = idempotencyKey(request)
  if (key) {
    // Before the LLM checks: a stored answer replays even while the LLM is down.
    const claim = await claimKey(store, owner, key, requestHash(body), deps.config.requestTimeoutMs * 2)
    if (claim.state === 'replay') return reply.header('idempotent-replayed', 'true').send(claim.response)
  }
  // Cancellation when the client goes away: no LLM spend for an answer nobody will read.
  const gone = new AbortController()
  reply.raw.on('close', () => {
    if (!reply.raw.writableFinished) gone.abort()
  })
  try {
    const downgradeTo = await admit(deps)
    const turn = { ...body, owner, key, downgradeTo, flagged: injection.flagged }
    const timing = newTurnTiming()
    const response = await deps.inFlight.track(() => runTurn(deps, request, turn, gone.signal, timing, trace))
    return reply.header('server-timing', serverTiming(timing, reply.elapsedTime)).send(response)
  } catch (error) {
    if (key) void releaseKey(store, owner, key) // not awaited: the error answer must not wait on PostgreSQL
    if (gone.signal.aborted) {
      request.log.info('client disconnected before the answer; turn abandoned, nothing stored')
      throw new ApiError(499, 'client_closed_request', 'the client closed the connection before the answer')
    }
    throw llmFailureToApiError(error)
  }
}

/**
 * Refuses at once, without an LLM call, when every model's breaker is open or the daily budget is
 * spent; returns the model to downgrade to when the budget says so.
 */
async function admit(deps: AgentDeps): Promise<string | undefined> {
  const breakersOpen = deps.llm.pool.rejectIfAllOpen()
  if (breakersOpen) throw breakersOpen
  if (deps.config.dailyBudgetUsd <= 0) return undefined // no budget: skip the lookup on the hot path
  const budget = await deps.budget.check()
  if (budget.allowed) return undefined
  if (budget.downgradeTo) return budget.downgradeTo
  throw new ApiError(429, 'budget_exceeded', `the daily LLM budget of $${deps.config.dailyBudgetUsd} is spent; it resets at 00:00 UTC`, {
    retryAfterSec: secondsToUtcMidnight(),
  })
}

async function runTurn(
  deps: AgentDeps,
  request: FastifyRequest,
  turn: { message: string; session_id?: string; user_id?: string; owner: string; key?: string; downgradeTo?: string; flagged: boolean },
  clientGone: AbortSignal,
  timing: TurnTiming,
  trace?: TurnTrace,
): Promise<ChatResponse> {
  const { store } = deps.memory
  // Session ids are issued here, never chosen by the caller: a client's id must name a session of
  // its own key (unknown and not-yours get the same 404, so existence never leaks).
  const sessionId = turn.session_id ?? randomUUID()
  const started = performance.now()
  // A session id we just minted has no history: skip the lookup (a cache miss and a PostgreSQL read).
  const history = turn.session_id ? await store.history(sessionId, turn.owner) : { owner: turn.owner, messages: [] }
  timing.historyMs = performance.now() - started
  if (history.owner !== turn.owner) throw sessionNotFound('session_id')

  const turnDeadline = deadline(deps.config.requestTimeoutMs, clientGone)
  const signal = turnDeadline.signal
  // The request's own logger: fastify bound it to reqId, and the traced route to the trace id (logs
  // and traces join on it); a second child logger per turn would only repeat those bindings.
  const logger = request.log as Logger
  // Tool audit rows ride on the turn's commit; if the turn fails they are stored on their own.
  const toolAudit: AuditRow[] = []
  let auditStored = false
  // What the turn's LLM calls cost: charged to the budget once, whatever happens after them.
  let spentUsd = 0
  let spendRecorded = false
  const recordSpend = (usd: number) => {
    spendRecorded = true
    return deps.budget.record(usd).catch((err) => logger.warn({ err: (err as Error).message }, 'budget record failed'))
  }
  try {
    const result = await deps.orchestrator.run({
      history: history.messages,
      message: turn.message,
      role: request.principal.role,
      signal,
      deadline: Date.now() + deps.config.requestTimeoutMs,
      // Over budget, the cheaper model only: falling back to the full-price pool would overspend.
      models: turn.downgradeTo ? [turn.downgradeTo] : undefined,
      logger,
      trace,
      toolContext: {
        pool: deps.memory.pool,
        sessionId,
        userId: turn.user_id,
        requestId: request.id,
        logger,
        searchConversation: (query, limit) => store.search(sessionId, query, limit),
        audit: (row) => void toolAudit.push(row),
      },
    })

    spentUsd = result.costUsd
    timing.llmMs = result.llmMs
    timing.toolMs = result.toolMs
    const response: ChatResponse = {
      response: result.answer,
      session_id: sessionId,
      iterations: result.iterations,
      model: result.model,
      usage: { prompt_tokens: result.promptTokens, completion_tokens: result.completionTokens, cost_usd: round(result.costUsd) },
    }
    trace?.annotate({
      'gen_ai.conversation.id': sessionId,
      'gen_ai.response.model': result.model,
      'gen_ai.usage.input_tokens': result.promptTokens,
      'gen_ai.usage.output_tokens': result.completionTokens,
      'agentctl.iterations': result.iterations,
    })
    const commitStarted = performance.now()
    const endCommit = trace?.commit()
    const committed = await store.commitTurn({
      sessionId,
      owner: turn.owner,
      userId: turn.user_id,
      requestId: request.id,
      model: result.model,
      iterations: result.iterations,
      promptTokens: result.promptTokens,
      completionTokens: result.completionTokens,
      costUsd: result.costUsd,
      injectionFlagged: turn.flagged,
      messages: result.messages,
      idempotency: turn.key ? { owner: turn.owner, key: turn.key, response } : undefined,
      toolAudit,
      newSession: !turn.session_id,
      // The spend record leaves with the cache append, in one Redis write and round trip.
    }, () => recordSpend(spentUsd)).catch((error: unknown) => {
      endCommit?.(error)
      throw error
    })
    endCommit?.()
    timing.dbMs = performance.now() - commitStarted
    auditStored = true
    await committed.cached
    timing.commitMs = performance.now() - commitStarted
    if (committed.forbidden) throw sessionNotFound('session_id')
    deps.telemetry.touchSession(sessionId)
    return response
  } catch (error) {
    // The calls were paid for even if the loop or the commit failed after them.
    const unrecorded = spendRecorded ? 0 : spentUsd || spentBeforeFailure(error)
    if (unrecorded > 0) void recordSpend(unrecorded)
    if (!auditStored && toolAudit.length) {
      // Not awaited: the error answer must not wait on PostgreSQL (it may be why the turn failed);
      // through the store's breaker, so an outage already detected costs nothing.
      void store.db(() => insertAuditRows(deps.memory.pool, toolAudit)).catch((err) =>
        logger.error({ err: (err as Error).message, rows: toolAudit.length }, 'tool audit write failed'),
      )
    }
    throw error
  } finally {
    turnDeadline.dispose()
  }
}

function idempotencyKey(request: FastifyRequest): string | undefined {
  const value = request.headers['idempotency-key']
  if (value === undefined) return undefined
  if (typeof value !== 'string' || !IDEMPOTENCY_KEY.test(value)) {
    throw new ApiError(400, 'invalid_request_error', 'Idempotency-Key must be 1-255 printable ASCII characters', { param: 'Idempotency-Key', code: 'invalid_idempotency_key' })
  }
  return value
}

const round = (usd: number) => Math.round(usd * 1e8) / 1e8

function secondsToUtcMidnight(now = new Date()): number {
  const midnight = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1)
  return Math.max(1, Math.ceil((midnight - now.getTime()) / 1000))
}
