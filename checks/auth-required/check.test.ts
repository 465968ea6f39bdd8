import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConfigSchema } from '../../src/config/schema.js'
import { runChecks } from '../../src/runner.js'
import { FIXTURE_API_KEY, type RunningAgent, spawnFixtureAgent, startMock } from '../../test/validate/support.js'
import { authRequiredCheck } from './check.js'

const judge = async (url: string, apiKey?: string) =>
  (await runChecks([authRequiredCheck], { mode: 'validate', config: ConfigSchema.parse({ target: { url, apiKey } }), timeoutMs: 10_000 }))[0]!

describe('auth-required', () => {
  let mock: Awaited<ReturnType<typeof startMock>>
  let agent: RunningAgent
  let open: Server
  let openUrl: string
  let refusing: Server
  let refusingUrl: string
  beforeAll(async () => {
    mock = await startMock()
    agent = await spawnFixtureAgent('well-behaved', mock)
    // An agent that answers every chat, whatever the credentials.
    open = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"response":"hi"}')).listen(0, '127.0.0.1')
    await new Promise((r) => open.once('listening', r))
    openUrl = `http://127.0.0.1:${(open.address() as AddressInfo).port}`
    // An agent that refuses the request itself (a 400 in a few ms), whatever the credentials.
    refusing = createServer((_req, res) => res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":{"message":"messages: Required"}}')).listen(0, '127.0.0.1')
    await new Promise((r) => refusing.once('listening', r))
    refusingUrl = `http://127.0.0.1:${(refusing.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    await agent.stop()
    await mock.close()
    open.close()
    refusing.close()
  })

  it('passes an agent that answers 401 to missing and invalid tokens', async () => {
    const f = await judge(agent.url, FIXTURE_API_KEY)
    expect(f.status, f.message).toBe('pass')
    expect(f.message).toBe('missing credentials → HTTP 401, an invalid token → HTTP 401')
  })

  it('fails an agent meant to require auth that accepts anything; warns when no key is configured', async () => {
    const f = await judge(openUrl, 'configured-key-123456')
    expect(f.status).toBe('fail')
    expect(f.message).toMatch(/no credentials → HTTP 200 with an answer; invalid bearer token → HTTP 200 with an answer/)
    expect((await judge(openUrl)).status).toBe('warn')
  })

  it('a 400 is not "serves chats without credentials": it says nothing about auth (skip, naming the status)', async () => {
    const f = await judge(refusingUrl)
    expect(f.status).toBe('skip')
    expect(f.message).toMatch(/anonymous chat got HTTP 400 \(messages: Required\), which is neither an answer nor a credentials refusal/)
    const withKey = await judge(refusingUrl, 'configured-key-123456')
    expect(withKey.status).toBe('skip')
  })

  it('errors (not fails) when the agent is down', async () => {
    const f = await judge('http://127.0.0.1:9', 'k-123456')
    expect(f.status).toBe('error')
  })
})
