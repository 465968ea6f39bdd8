import type { ServerResponse } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConfigSchema } from '../../src/config/schema.js'
import { runChecks } from '../../src/runner.js'
import { type HttpFaultServer, startHttpServer } from '../../test/support/fault-servers.js'
import { prometheusCheck } from './check.js'

/** A loopback stand-in speaking Prometheus' /-/ready and /api/v1/query, switchable per test. */
let mode: 'healthy' | 'degraded' | 'starting' = 'healthy'
let server: HttpFaultServer
const vector = (res: ServerResponse, result: unknown[]) => void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result } }))
const sample = (metric: Record<string, string>, value: string) => ({ metric, value: [1_700_000_000, value] })

beforeAll(async () => {
  server = await startHttpServer((req, res) => {
    const url = new URL(req.url!, 'http://x')
    if (url.pathname === '/-/ready') return mode === 'starting' ? void res.writeHead(503).end('Service Unavailable') : res.end('Prometheus Server is Ready.\n')
    if (url.pathname === '/api/v1/query') {
      const q = url.searchParams.get('query')
      if (q === 'up') return vector(res, [sample({ job: 'agent', instance: 'agent:8080' }, mode === 'degraded' ? '0' : '1'), sample({ job: 'prometheus', instance: 'localhost:9090' }, '1')])
      if (q?.startsWith('count(agent_http_requests_total')) return vector(res, mode === 'degraded' ? [] : [sample({}, '12')])
    }
    res.writeHead(404).end()
  })
})
afterAll(() => server.close())

const run = () => runChecks([prometheusCheck], { mode: 'diagnose', config: ConfigSchema.parse({ dependencies: { prometheus: server.url } }), timeoutMs: 2000 })

describe('prometheus', () => {
  it('passes when ready, all targets up and the agent scraped', async () => {
    mode = 'healthy'
    const findings = await run()
    expect(findings).toHaveLength(1)
    expect(findings[0]).toMatchObject({ status: 'pass', message: expect.stringMatching(/^ready in [\d.]+ms · 2\/2 scrape targets up$/) })
    expect(findings[0]!.evidence).toMatchObject({ targets: 2, targetsDown: [], agentSeries: 12 })
  })

  it('warns about down targets and missing agent metrics, each with a command', async () => {
    mode = 'degraded'
    const findings = await run()
    expect(findings.map((f) => [f.title, f.status])).toEqual([
      ['Prometheus', 'pass'],
      ['Prometheus scrape targets', 'warn'],
      ["Prometheus has the agent's metrics", 'warn'],
    ])
    expect(findings[1]!.message).toBe('1 scrape target down: agent/agent:8080')
    expect(findings[1]!.remediation).toContain('/api/v1/targets?state=active')
  })

  it('a 503 from /-/ready reads as "not ready yet" (WAL replay); severity warn keeps it from gating', async () => {
    mode = 'starting'
    const [f] = await run()
    expect(f).toMatchObject({ status: 'warn', severity: 'warn', message: expect.stringContaining('not ready yet (HTTP 503') })
  })
})
