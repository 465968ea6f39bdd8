// The README's in-process example, kept honest by running it.
import OpenAI from 'openai'
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest'
import { createMockLlm, faults, startMockLlmServer } from '../../harness/index.js'

const mock = createMockLlm({ seed: 1 })
beforeAll(() => mock.listen())
afterEach(() => mock.reset())
afterAll(() => mock.close())

// Created after listen() would do too; a call-time fetch lookup works in any order.
const llm = new OpenAI({ apiKey: 'test', baseURL: mock.baseUrl, maxRetries: 2, fetch: (url, init) => globalThis.fetch(url, init) })

it('retries through one rate limit, honouring Retry-After', async () => {
  mock.use(faults.rateLimited({ retryAfterMs: 200, count: 1 }))
  const answer = await llm.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })
  expect(answer.choices[0]!.finish_reason).toBe('stop')
  const [limited, ok] = mock.stats().calls
  expect([limited!.outcome, ok!.outcome]).toEqual(['rate-limited', 'ok'])
  expect(ok!.t - limited!.t).toBeGreaterThanOrEqual(190)
})

it('composes faults: slow answers for one model, errors for another', async () => {
  mock.use(faults.slow({ latencyMs: 150, model: 'gpt-4o' }), faults.errorStorm({ model: 'gpt-4.1-nano', status: 503 }))
  const started = Date.now()
  await llm.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] })
  expect(Date.now() - started).toBeGreaterThanOrEqual(140)
  const noRetry = llm.withOptions({ maxRetries: 0 })
  await expect(noRetry.chat.completions.create({ model: 'gpt-4.1-nano', messages: [{ role: 'user', content: 'hi' }] })).rejects.toBeInstanceOf(OpenAI.InternalServerError)
  expect(mock.stats().byModel['gpt-4.1-nano']!.byOutcome).toEqual({ error: 1 })
})

it('slow composes with errors too: slow + error-storm = slow 5xx', async () => {
  mock.use(faults.slow({ latencyMs: 120 }), faults.errorStorm({ status: 502 }))
  const started = Date.now()
  const error = await llm.withOptions({ maxRetries: 0 }).chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }).catch((e) => e)
  expect(error.status).toBe(502)
  expect(Date.now() - started).toBeGreaterThanOrEqual(110)
  expect(mock.stats().calls[0]).toMatchObject({ scenario: 'slow+error-storm', outcome: 'error', status: 502 })
})

it('leaves every other fetch alone (a real server keeps answering)', async () => {
  const real = await startMockLlmServer({ port: 0 })
  try {
    const response = await fetch(`${real.url}/health`)
    expect(await response.json()).toEqual({ status: 'ok' })
    expect(mock.stats().total).toBe(0)
  } finally {
    await real.close()
  }
})
