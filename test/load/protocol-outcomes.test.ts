/**
 * Both load models judge an answer by its content through the target protocol: an AI SDK
 * UI-message stream whose only part is `error` is a failure although the status is 200, counted
 * under `in-band-error`. Chats go to the protocol's own URL (path and query) unless --path was given.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runLoad } from '../../harness/load/driver.js'
import { Workload } from '../../harness/load/workload.js'
import { aiSdkProtocol } from '../../src/protocols/ai-sdk.js'

let server: Server
let origin = ''
const paths = new Set<string>()

beforeAll(async () => {
  server = createServer((req, res) => {
    paths.add(req.url ?? '')
    req.resume()
    req.on('end', () => {
      // Capitalised header names: autocannon hands them over as the server wrote them.
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'X-Vercel-AI-UI-Message-Stream': 'v1' })
      res.end('data: {"type":"start"}\n\ndata: {"type":"error","errorText":"Bad Request"}\n\ndata: [DONE]\n\n')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

describe('load classifies answers through the target protocol', () => {
  it.each([
    ['open', { mode: 'open' as const, rate: 20, connections: 4 }],
    ['closed', { mode: 'closed' as const, connections: 2 }],
  ])('%s model: a 200 carrying an SSE error part is an in-band error, sent to the protocol URL', async (name, mode) => {
    // autocannon may send one more request as it stops: each case judges only its own path.
    paths.clear()
    const protocol = aiSdkProtocol({ url: origin, chatPath: `/api/chat?agent=${name}` })
    const workload = new Workload({ method: 'POST', path: '/chat', headers: {}, prompts: ['hi'], protocol, pathFromProtocol: true })
    const run = await runLoad({ origin, workload, ...mode, durationMs: 1000, warmupMs: 0, timeoutMs: 5000, protocol })
    expect(run.requests).toBeGreaterThan(3)
    expect(run.errors).toBe(run.requests)
    expect(run.statuses).toEqual({ 'in-band-error': run.requests })
    expect(paths.has(`/api/chat?agent=${name}`)).toBe(true)
    expect(paths.has('/chat')).toBe(false)
  })

  it('an explicit path (--path) wins over the protocol URL', async () => {
    paths.clear()
    const protocol = aiSdkProtocol({ url: origin, chatPath: '/api/explicit' })
    const workload = new Workload({ method: 'POST', path: '/custom', headers: {}, prompts: ['hi'], protocol, pathFromProtocol: false })
    expect(workload.requestPath).toBe('/custom')
    await runLoad({ origin, workload, mode: 'closed', connections: 1, durationMs: 300, warmupMs: 0, timeoutMs: 5000, protocol })
    expect(paths.has('/custom')).toBe(true)
    expect(paths.has('/api/explicit')).toBe(false)
  })
})
