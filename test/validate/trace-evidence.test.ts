/**
 * Issue 19: a finding about chats points at the agent's own traces. A stub agent on loopback
 * records the traceparent of each chat it gets; the finding must name those very trace ids (or,
 * when the agent answers with a traceresponse, the trace it names), and link them when
 * target.traceUrl is set.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { authRequiredCheck } from '../../checks/auth-required/check.js'
import { ConfigSchema } from '../../src/config/schema.js'
import { runChecks } from '../../src/runner.js'

const AGENT_TRACE = '0af7651916cd43dd8448eb211c80319c'
const received: Array<string | undefined> = []
let server: Server
let url = ''

/** An agent that serves every chat whatever the credentials: auth-required fails it, naming the two chats. */
function serve(req: IncomingMessage, res: import('node:http').ServerResponse) {
  received.push(req.headers.traceparent as string | undefined)
  const own = req.url === '/own-trace' ? { traceresponse: `00-${AGENT_TRACE}-b7ad6b7169203331-01` } : {}
  res.writeHead(200, { 'content-type': 'application/json', ...own }).end('{"response":"hi"}')
}

beforeAll(async () => {
  server = createServer((req, res) => req.resume().on('end', () => serve(req, res)))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => {
  server.closeAllConnections()
  server.close()
})

const judge = async (target: Record<string, unknown>) =>
  (await runChecks([authRequiredCheck], { mode: 'validate', config: ConfigSchema.parse({ target: { url, apiKey: 'configured-key-123456', ...target } }), timeoutMs: 10_000 }))[0]!

describe('a failing finding names the traces of the chats behind it', () => {
  it('puts the trace ids agentctl sent as traceparent in evidence.traceIds and says where to look', async () => {
    received.length = 0
    const f = await judge({})
    expect(f.status).toBe('fail')
    expect(received).toHaveLength(2)
    const sent = received.map((h) => h!.split('-')[1])
    expect(f.evidence.traceIds).toEqual(sent)
    expect(f.evidence.traceUrls).toBeUndefined()
    expect(f.remediation).toContain(`The chats behind this are traces ${sent.join(', ')} in your tracing backend`)
  })

  it("prefers the agent's traceresponse, and links each trace through target.traceUrl", async () => {
    const f = await judge({ chatPath: '/own-trace', traceUrl: 'http://127.0.0.1:16686/trace/{traceId}' })
    expect(f.status).toBe('fail')
    expect(f.evidence.traceIds).toEqual([AGENT_TRACE]) // both chats landed in the agent's one trace
    expect(f.evidence.traceUrls).toEqual([`http://127.0.0.1:16686/trace/${AGENT_TRACE}`])
    expect(f.remediation).toMatch(new RegExp(`The chat behind this is trace http://127\\.0\\.0\\.1:16686/trace/${AGENT_TRACE}$`))
  })

  it('names no trace when no agent got the chat (connection refused)', async () => {
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const port = (closed.address() as AddressInfo).port
    await new Promise((resolve) => closed.close(resolve))
    const f = (await runChecks([authRequiredCheck], { mode: 'validate', config: ConfigSchema.parse({ target: { url: `http://127.0.0.1:${port}` } }), timeoutMs: 5000 }))[0]!
    expect(f.status).toBe('error')
    expect(f.evidence.traceIds).toBeUndefined()
    expect(f.remediation).not.toMatch(/trace/)
  })
})
