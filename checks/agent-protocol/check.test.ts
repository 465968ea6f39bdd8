import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConfigSchema } from '../../src/config/schema.js'
import { runChecks } from '../../src/runner.js'
import { agentProtocolCheck } from './check.js'

let server: Server
let url = ''
let rpcCalls = 0

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = ''
    req.on('data', (c) => (body += c))
    req.on('end', () => {
      const json = (status: number, value: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value))
      if (req.url === '/.well-known/agent-card.json') return json(200, { name: 'Echo', supportedInterfaces: [{ url: `${url}/a2a/jsonrpc`, protocolBinding: 'JSONRPC', protocolVersion: '1.0' }] })
      if (req.url === '/dead/.well-known/agent-card.json') return json(200, { name: 'Dead', url: 'http://127.0.0.1:9/', protocolVersion: '0.3.0', preferredTransport: 'JSONRPC' })
      if (req.url === '/a2a/jsonrpc') {
        rpcCalls++
        const rpc = JSON.parse(body)
        return json(200, { jsonrpc: '2.0', id: rpc.id, error: { code: -32001, message: `Task not found: ${rpc.params.id}` } })
      }
      res.writeHead(404).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => server.close())

const run = async (target: Record<string, unknown>) =>
  (await runChecks([agentProtocolCheck], { mode: 'diagnose', config: ConfigSchema.parse({ target }), timeoutMs: 3000 }))[0]!

describe('agent-protocol', () => {
  it('A2A: the card resolves and the endpoint answers a GetTask (no chat sent)', async () => {
    const f = await run({ url, protocol: 'a2a' })
    expect(f.status, f.message).toBe('pass')
    expect(f.message).toMatch(/agent card "Echo" → .*\/a2a\/jsonrpc \(JSONRPC 1\.0\) answers A2A/)
    expect(rpcCalls).toBe(1)
  })
  it('A2A: a missing card fails naming its URL and the fix', async () => {
    const f = await run({ url, protocol: 'a2a', request: { cardPath: '/nope/agent-card.json' } })
    expect(f.status).toBe('fail')
    expect(f.message).toMatch(/agent card at .*\/nope\/agent-card\.json answered HTTP 404/)
  })
  it('A2A: a card naming an endpoint that does not answer fails with that cause', async () => {
    const f = await run({ url, protocol: 'a2a', request: { cardPath: '/dead/.well-known/agent-card.json' } })
    expect(f.status).toBe('fail')
    expect(f.message).toMatch(/names http:\/\/127\.0\.0\.1:9\/ \(JSONRPC 0\.3\.0\), which did not answer/)
  })
  it('protocols without a discovery document are a skip that says why', async () => {
    const f = await run({ url, protocol: 'ai-sdk', chatPath: '/api/chat' })
    expect(f.status).toBe('skip')
    expect(f.message).toMatch(/no discovery document/)
  })
})
