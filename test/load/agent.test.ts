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
import { searchCapacity } from '../../harness/load/search.js'
import { selfAgentEnv } from '../../harness/self-stack.js'
import { startStack, type Stack } from '../../harness/stack.js'
import { loadConfig } from '../../src/config/load.js'
import { resolvePlan } from '../../src/load/plan.js'
import { parseSlos } from '../../src/load/slo.js'
import { pricingFor } from '../../src/pricing.js'
import { createTestSchema, deleteKeys, uid } from '../agent/support.js'
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
const redisPrefix = `${uid('load')}:`

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
      AGENT_REDIS_PREFIX: redisPrefix,
    },
  })
}, 120_000)

afterAll(async () => {
  await stack?.stop()
  await schema?.drop()
  // The capacity search leaves ~20 000 session entries and a 2-day budget key otherwise.
  await deleteKeys(TEST_REDIS_URL, redisPrefix)
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
    // No --target-rps: no daily figure (never a projection at a rate nobody asked about, issue 20).
    expect(load.cost!.usdPerDayAtTarget).toBeUndefined()
  })

  it('the adaptive capacity search brackets the agent itself (mock latency fixed, CPU the limit)', async () => {
    stack.mock.setScenario('slow', { latencyMs: 50 })
    const began = Date.now()
    const result = await searchCapacity({
      origin: stack.agentUrl,
      workload: buildWorkload(resolvePlan({}, loadConfig({ cwd: work, env: {} }).config)),
      // The agent carries 400-550 chat/s on an idle 2-core CI machine, far less on a shared one;
      // --max-rps far above that so a breaking step, not the cap, closes the bracket.
      maxRps: 1800,
      minWindowMs: 2000,
      minWarmupMs: 1000,
      resolution: 0.2,
      budgetMs: 90_000,
      timeoutMs: 20_000,
      slos: parseSlos(['p95<1000', 'error_rate<0.01']),
      maxConnections: 400,
    })
    const curve = result.steps.map((s) => `${s.offeredRps}:${Math.round(s.latencyMs.p95)}${s.breach ? ` (${s.breach})` : ''}`).join(' ')
    // On 2 cores shared by the agent, the mock and the generator, the budget can run out while a
    // confirmation step repeats: then the honest answer is "at least" (a warn), never a capacity.
    expect(['resolved', 'at-least'], curve).toContain(result.outcome)
    expect(Date.now() - began, curve).toBeLessThanOrEqual(95_000)
    expect(result.maxSustainableRps, curve).toBeGreaterThanOrEqual(10)
    if (result.outcome === 'resolved') expect(result.brokeAtRps! / result.maxSustainableRps - 1, curve).toBeLessThanOrEqual(0.2 + 1e-9)
    // The knee, when latency rose past the low-load noise, lies at or below the answer.
    if (result.kneeFound) expect(result.kneeRps, curve).toBeLessThanOrEqual(result.maxSustainableRps)
    expect(result.kneeRule).toMatch(/repeated/)
  }, 120_000)
})
