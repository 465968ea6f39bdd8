/**
 * The insight checks against the real reference agent's /metrics: chats flow through the mock LLM
 * while diagnose samples the agent, so the figures come from prom-client's real exposition.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { diagnoseCatalogue } from '../../checks/catalogue-diagnose.js'
import { startMockLlmServer, type MockLlmServer } from '../../harness/index.js'
import { type RunningAgent, startAgent } from '../../agent/index.js'
import { ConfigSchema } from '../../src/config/schema.js'
import { runChecks } from '../../src/runner.js'
import { TEST_DATABASE_URL } from '../support/services.js'

let mock: MockLlmServer
let agent: RunningAgent
// A database of its own on the shared PostgreSQL (embedded PGlite takes tens of seconds to boot
// on a busy machine); created as the trust-auth superuser, owned by the agent's role, dropped after.
const dataDir = mkdtempSync(join(tmpdir(), 'agentctl-insights-'))
const DB = `agentctl_insights_${process.pid}`
const TEST_DB_URL = new URL(TEST_DATABASE_URL)
const admin = () => new pg.Client({ host: TEST_DB_URL.hostname, port: Number(TEST_DB_URL.port || 5432), user: 'postgres', database: 'postgres', connectionTimeoutMillis: 5000 })

beforeAll(async () => {
  const client = admin()
  await client.connect()
  await client.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`)
  await client.query(`CREATE DATABASE ${DB} OWNER ${decodeURIComponent(TEST_DB_URL.username)}`)
  await client.end()
  const databaseUrl = new URL(TEST_DATABASE_URL)
  databaseUrl.pathname = `/${DB}`
  mock = await startMockLlmServer()
  agent = await startAgent({
    port: 0,
    host: '127.0.0.1',
    env: { LLM_BASE_URL: mock.baseUrl, LLM_MODEL: 'gpt-4o', LOG_LEVEL: 'silent', DATABASE_URL: databaseUrl.toString(), AGENT_DATA_DIR: dataDir, HOST: '127.0.0.1' },
  })
}, 60_000)
afterAll(async () => {
  await agent?.close()
  await mock?.close()
  rmSync(dataDir, { recursive: true, force: true })
  const client = admin()
  await client.connect()
  await client.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`)
  await client.end()
})

async function chat(i: number): Promise<void> {
  const res = await fetch(`${agent.url}/chat`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: `hello ${i}`, session_id: `insights-${i % 3}` }) })
  await res.text()
}

describe('insights against the reference agent', () => {
  it('measures traffic, LLM calls, spend and process figures from the real /metrics', async () => {
    await chat(0) // warm-up: first call opens the embedded stores
    const config = ConfigSchema.parse({ target: { url: agent.url }, budget: { dailyUsd: 500 } })
    const checks = diagnoseCatalogue.filter((c) => ['performance-slo', 'llm-latency', 'cost-spend', 'process-resources', 'breaker-state'].includes(c.id))
    // Traffic during the sample: a steady trickle of chats while the checks scrape twice, 1 s apart.
    let stop = false
    const traffic = (async () => {
      for (let i = 1; !stop; i++) await chat(i)
    })()
    const findings = await runChecks(checks, { mode: 'diagnose', config, timeoutMs: 4000, options: { windowMs: 1000 } })
    stop = true
    await traffic
    const byTitle = Object.fromEntries(findings.map((f) => [f.title, f]))
    const latency = byTitle['Request latency against the SLO']!
    expect(latency.status, latency.message).toBe('pass')
    expect(Number(latency.evidence.requests)).toBeGreaterThan(0)
    expect(Number(latency.evidence.p95Ms)).toBeGreaterThan(0)
    expect(byTitle['Error rate against the SLO']!.evidence).toMatchObject({ errors5xx: 0 })
    expect(byTitle['LLM gpt-4o']?.status).toBe('pass')
    expect(byTitle['Circuit breaker gpt-4o']?.status).toBe('pass')
    const spend = byTitle['Spend over 24 h']!
    expect(spend.evidence.basis).toBe('projected')
    expect(Number(spend.evidence.last24hUsd)).toBeGreaterThan(0)
    expect(byTitle['Agent process memory']!.message).toMatch(/RSS \d+MB/)
    expect(findings.some((f) => f.status === 'error')).toBe(false)
  })
})
