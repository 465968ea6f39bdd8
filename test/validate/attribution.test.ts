/**
 * Attribution that survives background retries (issue 14): an agent that answers 502 at once but
 * keeps retrying the LLM in the background (as LangChain's AsyncCaller does after the caller gave
 * up) must not leak those calls into the next chat's count, and the check reports them as late.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runScenario } from '../../checks/resilience-session.js'
import type { Check, CheckOutcome } from '../../src/check.js'
import { runResilience, startMock } from './support.js'

const BACKGROUND_RETRIES = 3
const RETRY_GAP_MS = 400

describe('attribution by marker', () => {
  let mock: Awaited<ReturnType<typeof startMock>>
  let agent: Server
  let agentUrl: string
  beforeAll(async () => {
    mock = await startMock()
    const llm = (message: string) =>
      fetch(`${mock.baseUrl}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: message }] }) })
    agent = createServer((req, res) => {
      let body = ''
      req.on('data', (c) => (body += c))
      req.on('end', async () => {
        const { message } = JSON.parse(body)
        // Slow enough that the previous chat's background retries land inside this chat's window.
        await new Promise((r) => setTimeout(r, 600))
        const first = await llm(message)
        const json = (await first.json()) as { choices?: Array<{ message: { content: string } }> }
        if (first.ok) return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ response: json.choices![0]!.message.content }))
        res.writeHead(502, { 'content-type': 'application/json' }).end('{"error":{"message":"LLM failed"}}')
        // The caller has its answer; the framework keeps retrying anyway.
        for (let i = 0; i < BACKGROUND_RETRIES; i++) {
          await new Promise((r) => setTimeout(r, RETRY_GAP_MS))
          await llm(message).then((r) => r.arrayBuffer()).catch(() => undefined)
        }
      })
    }).listen(0, '127.0.0.1')
    await new Promise((r) => agent.once('listening', r))
    agentUrl = `http://127.0.0.1:${(agent.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    agent.closeAllConnections()
    agent.close()
    await mock.close()
  })

  it('counts only a chat\'s own calls and reports the background ones as late', async () => {
    const seen: number[] = []
    const check: Check = {
      id: 'attribution-probe', category: 'resilience', title: 'probe', description: 'probe', appliesTo: ['validate'], severity: 'fail', lock: 'mock-llm',
      run: (ctx) =>
        runScenario(ctx, async (s): Promise<CheckOutcome> => {
          await s.mock.setScenario('error-storm')
          const first = await s.chat('failing #1')
          const second = await s.chat('failing #2')
          seen.push(first.llmCalls.length, second.llmCalls.length)
          expect(first.outcome).toMatchObject({ kind: 'http-error', status: 502, detail: 'LLM failed' })
          expect(first.marker).not.toBe(second.marker)
          await s.mock.reset()
          return { status: 'pass', message: 'probe done' }
        }),
    }
    const { findings } = await runResilience(agentUrl, mock, { checks: [check] })
    const f = findings[0]!
    // Each chat's own first call only, although #1's background retries ran while #2 was sent.
    expect(seen).toEqual([1, 1])
    expect(f.status, f.message).toBe('pass')
    expect(f.message).toMatch(/the agent kept calling the LLM for \d+(\.\d+)?s after the client had its answer \(\d+ late calls\)/)
    const late = f.evidence.lateLlmCalls as { count: number; longestAfterMs: number }
    expect(late.count).toBe(2 * BACKGROUND_RETRIES)
    expect(late.longestAfterMs).toBeGreaterThanOrEqual(BACKGROUND_RETRIES * RETRY_GAP_MS - 100)
  }, 60_000)

  it('an agent whose LLM calls hit a route the mock does not serve: error naming that route, not "not wired"', async () => {
    const wrong = createServer((req, res) => {
      let body = ''
      req.on('data', (c) => (body += c))
      req.on('end', async () => {
        const { message } = JSON.parse(body)
        await fetch(`${mock.baseUrl}/embeddings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'text-embedding-3-small', input: message }) }).then((r) => r.arrayBuffer())
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"response":"cached answer"}')
      })
    }).listen(0, '127.0.0.1')
    await new Promise((r) => wrong.once('listening', r))
    try {
      const { findings } = await runResilience(`http://127.0.0.1:${(wrong.address() as AddressInfo).port}`, mock, { only: ['model-fallback'] })
      const f = findings[0]!
      expect(f.status).toBe('error')
      expect(f.message).toMatch(/POST \/v1\/embeddings.*which the mock LLM does not serve/)
    } finally {
      wrong.close()
    }
  }, 60_000)
})
