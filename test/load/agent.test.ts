/**
 * The load tool against the reference agent (a child process, as `load --self` runs it) wired
 * to the mock LLM at a known latency, on real PostgreSQL (own schema) and Redis (own prefix).
 * Needs `npx tsc -p .` first (the agent child runs from dist/).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildWorkload, executeLoad } from '../../harness/load/execute.js'
import { findCapacity } from '../../harness/load/capacity.js'
import { selfAgentEnv } from '../../harness/self-stack.js'
import { startStack, type Stack } from '../../harness/stack.js'
import { loadConfig } from '../../src/config/load.js'
import { resolvePlan } from '../../src/load/plan.js'
import { parseSlos } from '../../src/load/slo.js'
import { pricingFor } from '../../src/pricing.js'
import { createTestSchema, uid } from '../agent/support.js'
import { TEST_REDIS_URL } from '../support/services.js'
import { assertBuilt } from './cli.js'

// Long enough that the agent's own work (a calculator tool call, two PostgreSQL writes) stays
// well inside 5% even on a busy CI machine.
const MOCK_LATENCY_MS = 2500
// With a healthy mock the agent makes two LLM calls per chat: a tool call, then the answer.
const LATENCY_SUM_MS = 2 * MOCK_LATENCY_MS

let stack: Stack
let schema: Awaited<ReturnType<typeof createTestSchema>>
const work = mkdtempSync(join(tmpdir(), 'agentctl-load-agent-'))

beforeAll(async () => {
  assertBuilt()
  schema = await createTestSchema('load')
  stack = await startStack({
    // load --self's agent profile, on real PostgreSQL and Redis instead of embedded ones, without
    // API keys (the plans below send none); startStack points LLM_BASE_URL at its mock.
    agentEnv: {
      ...selfAgentEnv({ profile: 'load', mockBaseUrl: '', apiKey: '', dataDir: join(work, 'data') }),
      AGENT_API_KEYS: undefined,
      DATABASE_URL: schema.url,
      REDIS_URL: TEST_REDIS_URL,
      AGENT_REDIS_PREFIX: `${uid('load')}:`,
    },
  })
}, 120_000)

afterAll(async () => {
  await stack?.stop()
  await schema?.drop()
  rmSync(work, { recursive: true, force: true })
})

describe('agentctl load against the reference agent', () => {
  it('reports a p50 within 5% of the configured mock latency sum, and the cost per request', async () => {
    stack.mock.setScenario('slow', { latencyMs: MOCK_LATENCY_MS })
    const { config } = loadConfig({ cwd: work, env: {}, overrides: { 'target.url': stack.agentUrl } })
    const plan = resolvePlan({ connections: 8, duration: '12s', warmup: '2s', body: JSON.stringify({ message: 'What is 2+2?' }), slo: ['p95<10s', 'error_rate<0.01'] }, config)
    const outcome = await executeLoad({
      plan,
      workload: buildWorkload(plan),
      origin: stack.agentUrl,
      metricsUrl: `${stack.agentUrl}/metrics`,
      trackCost: true,
      pricing: pricingFor(config),
      dailyBudgetUsd: 100,
      signal: new AbortController().signal,
    })
    const { load } = outcome
    expect(load.errors).toBe(0)
    expect(load.requests, JSON.stringify(load.latencyMs)).toBeGreaterThanOrEqual(8)
    expect(Math.abs(load.latencyMs.p50 - LATENCY_SUM_MS) / LATENCY_SUM_MS, JSON.stringify(load.latencyMs)).toBeLessThanOrEqual(0.05)
    expect(outcome.slo.every((r) => r.passed)).toBe(true)
    // Chat responses carry usage: tokens x the shipped price table.
    expect(outcome.cost?.source).toBe('response usage')
    expect(load.cost!.tokensPerRequest).toBeGreaterThan(100)
    expect(load.cost!.usdPerRequest).toBeGreaterThan(0)
    expect(load.cost!.usdPerDayAtTarget).toBeCloseTo(load.cost!.usdPerRequest * load.achievedRps * 86_400, 0)
  })

  it('the capacity search finds the knee of the agent itself (mock latency fixed, CPU the limit)', async () => {
    stack.mock.setScenario('slow', { latencyMs: 50 })
    const result = await findCapacity({
      origin: stack.agentUrl,
      workload: buildWorkload(resolvePlan({}, loadConfig({ cwd: work, env: {} }).config)),
      // Steps sized so the search ends within ~15 steps whatever the machine's speed (the agent's
      // CPU is the limit here, so a faster machine simply reaches a later step). The agent carries
      // 400-550 chat/s on the 2-core CI machine; --max-rps far above that so the knee, not the cap,
      // ends the search.
      startRps: 60,
      stepRps: 60,
      maxRps: 1800,
      stepDurationMs: 2000,
      warmupMs: 1500,
      timeoutMs: 20_000,
      slos: parseSlos(['p95<1000', 'error_rate<0.01']),
      maxConnections: 400,
    })
    const curve = result.steps.map((s) => `${s.offeredRps}:${Math.round(s.latencyMs.p95)}${s.breach ? ` (${s.breach})` : ''}`).join(' ')
    expect(result.stopReason, curve).toMatch(/^step \d+ rps: /)
    expect(result.maxSustainableRps, curve).toBeGreaterThanOrEqual(10)
    expect(result.kneeFound, curve).toBe(true)
    expect(result.kneeRps, curve).toBeLessThanOrEqual(result.maxSustainableRps)
    expect(result.steps.length).toBeGreaterThanOrEqual(2)
  }, 120_000)
})
