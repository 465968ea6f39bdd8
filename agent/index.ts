/**
 * The reference agent, assembled. `startAgent` is the programmatic entry point (tests, bench,
 * `agentctl agent start`): it validates the environment, opens memory (migrations included),
 * builds the LLM pool, tools and guards, and listens. `close()` drains: stop accepting, let
 * in-flight chats finish (bounded by SHUTDOWN_GRACE_MS), then close the pools.
 */
import type { Logger } from 'pino'
import { registerEnvSecrets, registerSecret } from '../src/redact.js'
import { shippedPricing } from '../src/pricing.js'
import { type AgentConfig, AgentConfigError, assertSafeBind, loadAgentConfig } from './config.js'
import { createBudget, createRateLimiter, parseApiKeys, resolveSecretFiles } from './guard/index.js'
import { ModelPool } from './llm/models.js'
import { ResilientLlm } from './llm/resilience.js'
import { InFlight } from './drain.js'
import { openMemory } from './memory/index.js'
import { Orchestrator } from './orchestrator.js'
import { buildServer } from './server.js'
import { createLogger, createTelemetry } from './telemetry.js'
import type { TraceHandle } from './tracing-types.js'
import { createToolRegistry, pruneToolAudit } from './tools/index.js'

export { loadAgentConfig, AgentConfigError, type AgentConfig } from './config.js'
export { METRICS } from '../src/contracts/metric-names.js'

export interface StartAgentOptions {
  /** The environment to read (default process.env). */
  env?: Record<string, string | undefined>
  /** Overrides PORT (0 = a free port). */
  port?: number
  /** Overrides HOST. */
  host?: string
  /** A pino logger to use instead of JSON on stdout. */
  logger?: Logger
}

export interface RunningAgent {
  url: string
  port: number
  config: AgentConfig
  close(): Promise<void>
}

export async function startAgent(options: StartAgentOptions = {}): Promise<RunningAgent> {
  // Kubernetes mounts Secrets as files (DATABASE_URL_FILE=/run/secrets/...): resolve them first.
  const env = readSecretFiles(options.env ?? process.env)
  const config = loadAgentConfig(env)
  if (options.port !== undefined) config.port = options.port
  if (options.host !== undefined) config.host = options.host
  assertSafeBind(config)
  registerEnvSecrets(env as NodeJS.ProcessEnv)
  registerSecret(config.llm.apiKey)
  const logger = options.logger ?? createLogger(config.logLevel)
  if (config.openAccess) {
    logger.warn({ host: config.host }, 'AGENT_API_KEYS is unset or blank: authentication is OFF; bind loopback only and set keys before exposing the agent')
  }

  // With tracing on, each chat's request-duration observation names its trace (an exemplar).
  const telemetry = createTelemetry({ exemplars: Boolean(config.tracing) })
  const prefix = config.redisPrefix
  // Loaded only when an endpoint is set: without one, no OpenTelemetry code runs at all.
  const tracing = config.tracing ? (await import('./tracing.js')).createTracing({ ...config.tracing, warn: (message, fields) => logger.warn(fields, message) }) : undefined
  if (config.tracing) logger.info({ otlp: config.tracing.url, protocol: config.tracing.protocol, sampler: config.tracing.sampler }, 'exporting OpenTelemetry traces')
  const memory = await openMemory(config, logger, prefix)
  try {
    const pool = new ModelPool(config.llm.models, { threshold: config.llm.breakerThreshold, halfOpenMs: config.llm.breakerHalfOpenMs }, telemetry)
    const llm = new ResilientLlm({ baseUrl: config.llm.baseUrl, apiKey: config.llm.apiKey }, pool, config.llm, telemetry)
    const tools = createToolRegistry({
      httpAllowlist: config.httpGetAllowlist,
      toolTimeoutMs: config.toolTimeoutMs,
      onToolCall: ({ tool, outcome }) => telemetry.toolCalls.inc({ tool, outcome }),
    })
    const orchestrator = new Orchestrator(llm, tools, config, shippedPricing(), telemetry)
    const budget = createBudget({ dailyUsd: config.dailyBudgetUsd, redis: memory.redis, guard: memory.redisGuard, downgradeModel: config.budgetDowngradeModel, keyPrefix: `${prefix}budget:` })
    telemetry.budgetDaily.set(config.dailyBudgetUsd)
    telemetry.setBudgetSource(() => budget.spentToday())
    const limiter = createRateLimiter({ redis: memory.redis, guard: memory.redisGuard, perMinute: config.rateLimitPerMinute, keyPrefix: `${prefix}rl:` })
    const draining = { value: false }
    const inFlight = new InFlight()
    const pruneAudit = () => void pruneToolAudit(memory.pool).catch((err: Error) => logger.warn({ err: err.message }, 'pruning the tool audit log failed'))
    const auditPruner = setInterval(pruneAudit, 3_600_000)
    auditPruner.unref()
    const app = buildServer({ config, logger, telemetry, memory, llm, orchestrator, keys: parseApiKeys(config.apiKeys), limiter, budget, draining, inFlight, tracing })

    await app.listen({ port: config.port, host: config.host })
    const address = app.server.address()
    const port = typeof address === 'object' && address ? address.port : config.port
    const shownHost = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host
    const url = `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}`
    logger.info({ url, models: config.llm.models, embedded: { postgres: !config.databaseUrl, redis: !config.redisUrl } }, 'agent listening')

    let closing: Promise<void> | undefined
    const close = () =>
      (closing ??= (async () => {
        draining.value = true
        clearInterval(auditPruner)
        // fastify.close() stops accepting, answers 503 to new requests on open connections and
        // waits for in-flight ones; the grace timer cuts connections that would hold us forever.
        const force = setTimeout(() => app.server.closeAllConnections(), config.shutdownGraceMs)
        force.unref()
        const started = Date.now()
        await app.close()
        clearTimeout(force)
        // Handlers whose clients already left are still running: let them finish their commit.
        const drained = await inFlight.idle(Math.max(0, config.shutdownGraceMs - (Date.now() - started)))
        if (!drained) logger.warn({ inFlight: inFlight.size }, 'shutdown grace period over; closing with chats still in flight')
        await memory.close()
        // Bounded: a collector that hangs must not hold the shutdown (the exporter's own timeout is 10 s by default, OTEL_EXPORTER_OTLP_TIMEOUT, and a batch is given up on only after OTEL_BSP_EXPORT_TIMEOUT, 30 s).
        if (tracing) await flushSpans(tracing, logger)
        logger.info('agent stopped')
        logger.flush?.()
      })())
    return { url, port, config, close }
  } catch (error) {
    await memory.close()
    await tracing?.shutdown().catch(() => undefined)
    throw error
  }
}

const SPAN_FLUSH_MS = 2000

export async function flushSpans(tracing: TraceHandle, logger: Logger): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), SPAN_FLUSH_MS)))
  const outcome = await Promise.race([tracing.shutdown().then(() => 'done' as const, (err: Error) => err), late])
  clearTimeout(timer)
  if (outcome === 'late') {
    // Not tracing.ts's spanCount: this module loads no tracing code unless an endpoint is set.
    const unsent = tracing.unsent()
    const spans = unsent === undefined ? 'the last spans' : `the last ${unsent} span${unsent === 1 ? '' : 's'}`
    logger.warn({ waitedMs: SPAN_FLUSH_MS, ...(unsent === undefined ? {} : { spans: unsent }) }, `the OTLP collector did not take ${spans} in time; they are dropped`)
  } else if (outcome instanceof Error) logger.warn({ err: outcome.message }, 'flushing the last spans failed')
}

function readSecretFiles(env: Record<string, string | undefined>): Record<string, string | undefined> {
  try {
    return resolveSecretFiles(env)
  } catch (error) {
    throw new AgentConfigError((error as Error).message)
  }
}
