/**
 * Failure modes of every connectivity probe, table-driven: each dependency up, stopped/refusing,
 * hanging (accepts TCP, never answers), speaking the wrong protocol, rejecting credentials, and
 * unresolvable — each must map to its own precise message, within the check's budget.
 *
 * PostgreSQL credentials: the shared server trusts 127.0.0.1, so a wrong password cannot be
 * provoked there; we assert the "role does not exist" and "database does not exist" mappings
 * instead, and the password-rejection mapping on Redis (own `--requirepass` instance).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { agentHealthCheck } from '../../checks/agent-health/check.js'
import { llmEndpointCheck } from '../../checks/llm-endpoint/check.js'
import { natsCheck } from '../../checks/nats/check.js'
import { postgresCheck } from '../../checks/postgres/check.js'
import { prometheusCheck } from '../../checks/prometheus/check.js'
import { redisCheck } from '../../checks/redis/check.js'
import type { Check } from '../../src/check.js'
import { type AgentctlConfigInput, ConfigSchema } from '../../src/config/schema.js'
import type { Finding } from '../../src/report.js'
import { runChecks } from '../../src/runner.js'
import { closedPort, type FaultServer, type HttpFaultServer, type RedisInstance, startGarbageServer, startHangingServer, startHttpServer, startRedisServer } from '../support/fault-servers.js'
import { TEST_DATABASE_URL, TEST_NATS_URL, TEST_REDIS_URL } from '../support/services.js'

const TIMEOUT_MS = 500
const REDIS_PASSWORD = 'correct-horse-battery'

export async function runOne(check: Check, config: AgentctlConfigInput, options: Record<string, unknown> = {}): Promise<Finding[]> {
  return runChecks([check], { mode: 'diagnose', config: ConfigSchema.parse(config), timeoutMs: TIMEOUT_MS, options })
}

let hanging: FaultServer
let garbage: FaultServer
let httpOnWrongPort: HttpFaultServer
let refusedPort: number
let stoppedRedis: RedisInstance
let passwordRedis: RedisInstance

beforeAll(async () => {
  ;[hanging, garbage, httpOnWrongPort, refusedPort, stoppedRedis, passwordRedis] = await Promise.all([
    startHangingServer(),
    startGarbageServer(),
    startHttpServer((_req, res) => res.end('not what you expected')),
    closedPort(),
    startRedisServer(),
    startRedisServer({ requirepass: REDIS_PASSWORD }),
  ])
  await stoppedRedis.stop()
})

afterAll(async () => {
  await Promise.all([hanging?.close(), garbage?.close(), httpOnWrongPort?.close(), stoppedRedis?.close(), passwordRedis?.close()])
})

interface Case {
  name: string
  check: Check
  config: () => AgentctlConfigInput
  status: Finding['status']
  message: RegExp
  remediation?: RegExp
}

const at = (scheme: string, port: () => number, suffix = '') => () => `${scheme}://127.0.0.1:${port()}${suffix}`
const redis = (url: () => string) => () => ({ dependencies: { redis: url() } })
const pg = (url: () => string) => () => ({ dependencies: { postgres: url() } })
const nats = (url: () => string) => () => ({ dependencies: { nats: url() } })
const prom = (url: () => string) => () => ({ dependencies: { prometheus: url() } })
const llm = (url: () => string) => () => ({ dependencies: { llm: { baseUrl: url(), apiKey: 'sk-test-abcdefghijklmnop' } } })
const agent = (url: () => string) => () => ({ target: { url: url() } })

const HUNG = /accepted the connection but .* never answered within \d+ms — the server is hung or overloaded|no answer from .* within \d+ms/
const REFUSED = (service: string) => new RegExp(`connection refused at 127\\.0\\.0\\.1:\\d+ — is ${service} running\\?`)
const WRONG_PROTOCOL = (name: string) => new RegExp(`answered, but not as ${name}( \\(got "[^"]+"\\))? — another service listens on this port`)
const DNS = /cannot resolve host "nonexistent\.invalid"/

const cases: Case[] = [
  // Redis
  { name: 'redis up', check: redisCheck, config: redis(() => `${TEST_REDIS_URL}/9`), status: 'pass', message: /^PONG in [\d.]+ms · Redis \d/ },
  { name: 'redis stopped (own instance)', check: redisCheck, config: redis(() => stoppedRedis.url), status: 'fail', message: REFUSED('redis-server'), remediation: /`systemctl status redis-server` \/ `redis-cli -h 127\.0\.0\.1 -p \d+ ping`/ },
  { name: 'redis refused (closed port)', check: redisCheck, config: redis(at('redis', () => refusedPort)), status: 'fail', message: REFUSED('redis-server') },
  { name: 'redis hanging', check: redisCheck, config: redis(at('redis', () => hanging.port)), status: 'fail', message: HUNG },
  { name: 'redis wrong protocol (garbage)', check: redisCheck, config: redis(at('redis', () => garbage.port)), status: 'fail', message: WRONG_PROTOCOL('Redis'), remediation: /ss -ltnp/ },
  { name: 'redis wrong protocol (HTTP server)', check: redisCheck, config: redis(at('redis', () => httpOnWrongPort.port)), status: 'fail', message: WRONG_PROTOCOL('Redis') },
  { name: 'redis password missing', check: redisCheck, config: redis(at('redis', () => passwordRedis.port)), status: 'fail', message: /Redis rejected the credentials \(NOAUTH.*\) — the server requires a password and the URL has none/, remediation: /--askpass ping/ },
  { name: 'redis wrong password', check: redisCheck, config: redis(() => `redis://:wrong-password-123@127.0.0.1:${passwordRedis.port}`), status: 'fail', message: /Redis rejected the credentials \((WRONGPASS|ERR invalid password).*\) — the password in the URL is wrong/ },
  { name: 'redis right password', check: redisCheck, config: redis(() => passwordRedis.url), status: 'pass', message: /^PONG/ },
  { name: 'redis unresolvable', check: redisCheck, config: redis(() => 'redis://nonexistent.invalid:6379'), status: 'fail', message: DNS, remediation: /getent hosts nonexistent\.invalid/ },
  // PostgreSQL
  { name: 'postgres up', check: postgresCheck, config: pg(() => TEST_DATABASE_URL), status: 'pass', message: /^SELECT 1 in [\d.]+ms · PostgreSQL \d+/ },
  { name: 'postgres refused', check: postgresCheck, config: pg(at('postgres', () => refusedPort, '/db')), status: 'fail', message: REFUSED('postgresql') },
  { name: 'postgres hanging', check: postgresCheck, config: pg(at('postgres', () => hanging.port, '/db')), status: 'fail', message: HUNG },
  { name: 'postgres wrong protocol (garbage)', check: postgresCheck, config: pg(at('postgres', () => garbage.port, '/db')), status: 'fail', message: WRONG_PROTOCOL('PostgreSQL') },
  { name: 'postgres wrong protocol (HTTP server)', check: postgresCheck, config: pg(at('postgres', () => httpOnWrongPort.port, '/db')), status: 'fail', message: WRONG_PROTOCOL('PostgreSQL') },
  { name: 'postgres role does not exist', check: postgresCheck, config: pg(() => 'postgres://no_such_role_agentctl@127.0.0.1:5432/agentctl_test'), status: 'fail', message: /role "no_such_role_agentctl" does not exist on 127\.0\.0\.1:5432/, remediation: /CREATE ROLE/ },
  { name: 'postgres database does not exist', check: postgresCheck, config: pg(() => 'postgres://agentctl@127.0.0.1:5432/no_such_db_agentctl'), status: 'fail', message: /database "no_such_db_agentctl" does not exist/, remediation: /CREATE DATABASE/ },
  { name: 'postgres unresolvable', check: postgresCheck, config: pg(() => 'postgres://u@nonexistent.invalid:5432/db'), status: 'fail', message: DNS },
  // NATS
  { name: 'nats up', check: natsCheck, config: nats(() => TEST_NATS_URL), status: 'pass', message: /^RTT [\d.]+ms · nats-server [\d.]+ · JetStream on/ },
  { name: 'nats refused', check: natsCheck, config: nats(at('nats', () => refusedPort)), status: 'fail', message: REFUSED('nats-server') },
  { name: 'nats hanging', check: natsCheck, config: nats(at('nats', () => hanging.port)), status: 'fail', message: HUNG },
  { name: 'nats wrong protocol', check: natsCheck, config: nats(at('nats', () => garbage.port)), status: 'fail', message: WRONG_PROTOCOL('NATS') },
  { name: 'nats unresolvable', check: natsCheck, config: nats(() => 'nats://nonexistent.invalid:4222'), status: 'fail', message: DNS },
  // Prometheus, LLM provider and the agent: HTTP probes
  { name: 'prometheus refused', check: prometheusCheck, config: prom(at('http', () => refusedPort)), status: 'warn', message: REFUSED('prometheus') },
  { name: 'prometheus hanging', check: prometheusCheck, config: prom(at('http', () => hanging.port)), status: 'warn', message: HUNG },
  { name: 'prometheus wrong protocol', check: prometheusCheck, config: prom(at('http', () => garbage.port)), status: 'warn', message: /answered|HTTP 400/ },
  { name: 'prometheus unresolvable', check: prometheusCheck, config: prom(() => 'http://nonexistent.invalid:9090'), status: 'warn', message: DNS },
  { name: 'llm refused', check: llmEndpointCheck, config: llm(at('http', () => refusedPort, '/v1')), status: 'fail', message: /connection refused at 127\.0\.0\.1:\d+/ },
  { name: 'llm hanging', check: llmEndpointCheck, config: llm(at('http', () => hanging.port, '/v1')), status: 'fail', message: HUNG },
  { name: 'llm wrong protocol (not HTTP)', check: llmEndpointCheck, config: llm(at('http', () => garbage.port, '/v1')), status: 'fail', message: /answered, but not as the LLM provider|unexpected answer .*HTTP 400/ },
  { name: 'llm unresolvable', check: llmEndpointCheck, config: llm(() => 'https://nonexistent.invalid/v1'), status: 'fail', message: DNS },
  { name: 'agent refused', check: agentHealthCheck, config: agent(at('http', () => refusedPort)), status: 'fail', message: /connection refused at 127\.0\.0\.1:\d+ — is the agent running\?/, remediation: /curl -sS -m 5 -i http:\/\/127\.0\.0\.1:\d+\/health/ },
  { name: 'agent hanging', check: agentHealthCheck, config: agent(at('http', () => hanging.port)), status: 'fail', message: HUNG },
  { name: 'agent unresolvable', check: agentHealthCheck, config: agent(() => 'http://nonexistent.invalid:8080'), status: 'fail', message: DNS },
]

describe('connectivity failure modes', () => {
  it.each(cases)('$name → $status', async ({ check, config, status, message, remediation }) => {
    const started = performance.now()
    const [finding] = await runOne(check, config())
    const wall = performance.now() - started
    expect(finding, 'a finding').toBeDefined()
    expect({ status: finding!.status, message: finding!.message }).toMatchObject({ status, message: expect.stringMatching(message) })
    if (remediation) expect(finding!.remediation).toMatch(remediation)
    if (status !== 'pass') expect(finding!.remediation.length, 'every failure says what to do').toBeGreaterThan(10)
    // Bounded: the probe answers before the runner's own deadline, with its own words.
    expect(finding!.message).not.toMatch(/did not finish within/)
    // Slack for a loaded 2-core CI machine; an unbounded probe would take seconds (ioredis defaults: ~73 s).
    expect(wall).toBeLessThan(TIMEOUT_MS + 400)
    // Secrets never leak into the finding.
    const text = JSON.stringify(finding)
    expect(text).not.toContain(REDIS_PASSWORD)
    expect(text).not.toContain('wrong-password-123')
    expect(text).not.toContain('sk-test-abcdefghijklmnop')
  })

  it('an unconfigured dependency is a skip that says how to configure it', async () => {
    const findings = await runChecks([redisCheck, postgresCheck, natsCheck, prometheusCheck, llmEndpointCheck], { mode: 'diagnose', config: ConfigSchema.parse({}), timeoutMs: TIMEOUT_MS })
    for (const f of findings) {
      expect(f.status).toBe('skip')
      expect(f.message).toMatch(/not configured — set dependencies\.\S+: .* in agentctl\.yaml or AGENTCTL_\w+_URL/)
    }
  })

  it('runs all probes at once: five hanging dependencies cost one timeout, not five', async () => {
    const url = (scheme: string) => `${scheme}://127.0.0.1:${hanging.port}`
    const config = ConfigSchema.parse({ target: { url: url('http') }, dependencies: { redis: url('redis'), postgres: `${url('postgres')}/db`, nats: url('nats'), prometheus: url('http'), llm: { baseUrl: url('http') } } })
    const started = performance.now()
    const findings = await runChecks([agentHealthCheck, redisCheck, postgresCheck, natsCheck, prometheusCheck, llmEndpointCheck], { mode: 'diagnose', config, timeoutMs: TIMEOUT_MS })
    const wall = performance.now() - started
    expect(findings.map((f) => f.status)).toEqual(['fail', 'fail', 'fail', 'fail', 'warn', 'fail'])
    expect(wall).toBeLessThan(TIMEOUT_MS * 1.2 + 100)
  })
})
