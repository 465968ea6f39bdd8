import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConfigSchema } from '../../src/config/schema.js'
import { runChecks } from '../../src/runner.js'
import { type HttpFaultServer, startHttpServer } from '../../test/support/fault-servers.js'
import { agentReadyCheck } from './check.js'
import { parseHealthDocument } from './health-json.js'

const HEALTHY = { status: 'pass', checks: { 'redis:connected': [{ status: 'pass', observedValue: 1.2, observedUnit: 'ms' }], 'postgres:connected': [{ status: 'pass' }] } }
const DEGRADED = { status: 'fail', checks: { 'redis:connected': [{ status: 'fail', output: 'connect ECONNREFUSED 10.0.0.5:6379' }], 'llm:reachable': [{ status: 'warn', output: 'p95 8s' }], 'postgres:connected': [{ status: 'pass' }] } }

let server: HttpFaultServer
beforeAll(async () => {
  server = await startHttpServer((req, res) => {
    const send = (status: number, body: unknown) => void res.writeHead(status, { 'content-type': 'application/health+json' }).end(JSON.stringify(body))
    if (req.url === '/ready') return send(200, HEALTHY)
    if (req.url === '/degraded') return send(503, DEGRADED)
    if (req.url === '/plain') return res.end('OK')
    res.writeHead(404).end()
  })
})
afterAll(() => server.close())

const run = (readyPath: string) => runChecks([agentReadyCheck], { mode: 'diagnose', config: ConfigSchema.parse({ target: { url: server.url, readyPath } }), timeoutMs: 1000 })

describe('agent-ready', () => {
  it('passes when the agent and every component are ready, listing them', async () => {
    const findings = await run('/ready')
    expect(findings).toHaveLength(1)
    expect(findings[0]).toMatchObject({ status: 'pass', message: expect.stringMatching(/^ready \(HTTP 200 in [\d.]+ms\): redis:connected pass, postgres:connected pass$/) })
    expect(findings[0]!.evidence.components).toMatchObject({ 'redis:connected': { status: 'pass', observedValue: 1.2, observedUnit: 'ms' } })
  })

  it('a 503 names each failing dependency in its own finding, pointing at the deeper check', async () => {
    const findings = await run('/degraded')
    expect(findings.map((f) => [f.title, f.status])).toEqual([
      ['Agent readiness', 'fail'],
      ['Agent readiness: redis:connected', 'fail'],
      ['Agent readiness: llm:reachable', 'warn'],
    ])
    expect(findings[0]!.message).toMatch(/NOT ready \(HTTP 503, status fail\)/)
    expect(findings[1]!.message).toContain('ECONNREFUSED 10.0.0.5:6379')
    expect(findings[1]!.remediation).toContain('agentctl diagnose --only redis')
    expect(findings[2]!.remediation).toContain('agentctl diagnose --only llm-endpoint')
  })

  it('a body that is not health+json is a warning: no per-dependency detail', async () => {
    const [f] = await run('/plain')
    expect(f).toMatchObject({ status: 'warn', message: expect.stringContaining('not application/health+json') })
  })

  it('no readiness route is a warn saying so and what a good one checks (not a fail)', async () => {
    const [f] = await run('/readyz')
    expect(f).toMatchObject({ status: 'warn', message: expect.stringContaining('target.readyPath /readyz answered HTTP 404'), remediation: expect.stringContaining('NOT the LLM provider') })
  })
})

describe('parseHealthDocument', () => {
  it('accepts single objects, up/down wording and several observations per key', () => {
    const doc = parseHealthDocument(JSON.stringify({ status: 'UP', checks: { cache: { status: 'down' }, 'db:pool': [{ componentId: 'a', status: 'ok' }, { componentId: 'b', status: 'degraded' }] } }))
    expect(doc).toEqual({ status: 'pass', components: [{ name: 'cache', status: 'fail' }, { name: 'db:pool#a', status: 'pass' }, { name: 'db:pool#b', status: 'warn' }] })
  })
  it('returns undefined for non-JSON and non-objects', () => {
    expect(parseHealthDocument('OK')).toBeUndefined()
    expect(parseHealthDocument('[1,2]')).toBeUndefined()
  })
})
