import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConfigSchema } from '../../src/config/schema.js'
import { runChecks } from '../../src/runner.js'
import { FIXTURE_API_KEY, type RunningAgent, spawnFixtureAgent, startMock } from '../../test/validate/support.js'
import { errorHygieneCheck } from './check.js'

const judge = async (url: string, apiKey?: string) =>
  (await runChecks([errorHygieneCheck], { mode: 'validate', config: ConfigSchema.parse({ target: { url, apiKey } }), timeoutMs: 10_000 }))[0]!

describe('error-hygiene', () => {
  let mock: Awaited<ReturnType<typeof startMock>>
  let agent: RunningAgent
  let leaky: Server
  let leakyUrl: string
  beforeAll(async () => {
    mock = await startMock()
    agent = await spawnFixtureAgent('well-behaved', mock)
    // The classic leak: err.stack in the body, and the presented token echoed back.
    leaky = createServer((req, res) => {
      const err = new SyntaxError('Unexpected end of JSON input')
      res.writeHead(500, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ error: err.stack, auth: req.headers.authorization }))
    }).listen(0, '127.0.0.1')
    await new Promise((r) => leaky.once('listening', r))
    leakyUrl = `http://127.0.0.1:${(leaky.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    await agent.stop()
    await mock.close()
    leaky.close()
  })

  it('passes an agent whose errors are plain {error:{message}} bodies', async () => {
    const f = await judge(agent.url, FIXTURE_API_KEY)
    expect(f.status, f.message).toBe('pass')
  })

  it('fails stack traces and echoed credentials', async () => {
    const f = await judge(leakyUrl, 'configured-key-abcdef')
    expect(f.status).toBe('fail')
    expect(f.message).toMatch(/invalid JSON: a JavaScript stack frame/)
    expect(f.message).toMatch(/invalid bearer token: echoes the presented bearer token/)
    expect(f.message).toMatch(/contains a credential/) // the configured key, echoed in the auth field
  })
})
