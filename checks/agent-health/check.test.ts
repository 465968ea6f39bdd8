import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConfigSchema } from '../../src/config/schema.js'
import { runChecks } from '../../src/runner.js'
import { type HttpFaultServer, startHttpServer } from '../../test/support/fault-servers.js'
import { agentHealthCheck } from './check.js'

let server: HttpFaultServer
beforeAll(async () => {
  server = await startHttpServer((req, res) => {
    if (req.url === '/health') return res.end('ok')
    if (req.url === '/broken') return void res.writeHead(503).end('down')
    res.writeHead(404).end()
  })
})
afterAll(() => server.close())

const run = (target: Record<string, unknown>) => runChecks([agentHealthCheck], { mode: 'diagnose', config: ConfigSchema.parse({ target }), timeoutMs: 1000 })

describe('agent-health', () => {
  it('passes on 2xx and reports latency', async () => {
    const [f] = await run({ url: server.url })
    expect(f).toMatchObject({ status: 'pass', category: 'connectivity', message: expect.stringMatching(/^HTTP 200 in [\d.]+ms$/) })
    expect(f!.evidence).toMatchObject({ httpStatus: 200, latencyMs: expect.any(Number) })
  })

  it('fails on 503 with the status and a ready command', async () => {
    const [f] = await run({ url: server.url, healthPath: '/broken' })
    expect(f).toMatchObject({ status: 'fail', message: expect.stringContaining('HTTP 503') })
    expect(f!.remediation).toContain(`curl -sS -m 5 -i ${server.url}/broken`)
  })

  it('a 404 says to fix target.healthPath', async () => {
    const [f] = await run({ url: server.url, healthPath: '/healthz' })
    expect(f!.remediation).toMatch(/set target\.healthPath/)
  })

  it('sends the API key as a bearer token but never prints it', async () => {
    const [f] = await run({ url: server.url, apiKey: 'agent-key-0123456789' })
    expect(server.requests.at(-1)!.headers.authorization).toBe('Bearer agent-key-0123456789')
    expect(JSON.stringify(f)).not.toContain('agent-key-0123456789')
  })

  it('files under dependencies when validate runs it', async () => {
    const [f] = await runChecks([agentHealthCheck], { mode: 'validate', config: ConfigSchema.parse({ target: { url: server.url } }), timeoutMs: 1000 })
    expect(f!.category).toBe('dependencies')
  })
})
