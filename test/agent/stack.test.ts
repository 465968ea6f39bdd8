/**
 * The launcher other commands use: the agent as a real child process (`agentctl agent start`,
 * from dist/: `npm test` builds first), graceful drain on stop, and a clear error when the agent
 * cannot start.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startReferenceAgent, startStack } from '../../harness/stack.js'
import { TEST_REDIS_URL } from '../support/services.js'
import { createTestSchema, deleteKeys, uid } from './support.js'

let schema: Awaited<ReturnType<typeof createTestSchema>>
const redisPrefix = `${uid('stack')}:`
beforeAll(async () => {
  schema = await createTestSchema('agent_stack')
})
afterAll(async () => {
  await schema?.drop()
  await deleteKeys(TEST_REDIS_URL, redisPrefix)
})

describe('startStack', () => {
  it('runs the mock LLM and the agent as a child, and drains an in-flight chat on stop()', async () => {
    const stack = await startStack({
      mockLlm: { latency: [400, 400] },
      agentEnv: { DATABASE_URL: schema.url, REDIS_URL: TEST_REDIS_URL, AGENT_REDIS_PREFIX: redisPrefix, LOG_LEVEL: 'warn' },
    })
    let stopped = false
    try {
      expect(stack.agent.pid).toBeGreaterThan(0)
      const ready = await fetch(`${stack.agentUrl}/ready`)
      expect(ready.status).toBe(200)
      const inFlight = fetch(`${stack.agentUrl}/chat`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: 'what is 9 * 9' }) })
      await new Promise((r) => setTimeout(r, 150))
      const stopping = stack.stop()
      const res = await inFlight
      const body = await res.clone().text()
      expect(res.status, body).toBe(200) // SIGTERM waited for it
      expect((await res.json()).iterations).toBe(2)
      await stopping
      stopped = true
      expect(() => process.kill(stack.agent.pid!, 0)).toThrow()
    } finally {
      if (!stopped) await stack.stop()
    }
  })
})

describe('startReferenceAgent', () => {
  it('fails fast with the variable name and the agent output when the configuration is bad', async () => {
    await expect(startReferenceAgent({ env: { LLM_TIMEOUT_MS: 'soon', DATABASE_URL: schema.url } })).rejects.toThrow(/exited before listening[\s\S]*LLM_TIMEOUT_MS/)
  })
})
