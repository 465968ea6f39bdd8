import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { MockLlmControl } from '../../harness/index.js'
import { client, MODES, type MockUnderTest } from './modes.js'

// docs/CONTRACTS.md #2: every call carries api/method/path and the attribution marker; stats filter by marker.
describe.each(MODES)('mock LLM call records ($mode)', ({ start }) => {
  let mock: MockUnderTest
  let control: MockLlmControl

  beforeAll(async () => {
    mock = await start({ seed: 3 })
    control = new MockLlmControl(mock.baseUrl)
  })
  afterAll(() => mock.close())
  beforeEach(() => {
    mock.reset()
  })

  it('records api, method, path and the first marker in the user text; ?marker= filters', async () => {
    const llm = client(mock.baseUrl)
    await llm.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'system', content: 'ignore [agentctl:system-text]' }, { role: 'user', content: 'hi [agentctl:check-a1] and [agentctl:later]' }] })
    await llm.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: [{ type: 'text', text: 'part [agentctl:check-b2]' }] }] })
    await llm.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'no marker [agentctl:UPPER]' }] })
    const all = await control.stats()
    expect(all.total).toBe(3)
    expect(all.byApi).toEqual({ chat: 3 })
    expect(all.calls.map((c) => [c.api, c.method, c.path, c.marker])).toEqual([
      ['chat', 'POST', '/v1/chat/completions', 'check-a1'],
      ['chat', 'POST', '/v1/chat/completions', 'check-b2'],
      ['chat', 'POST', '/v1/chat/completions', undefined],
    ])
    const only = await control.stats({ marker: 'check-b2' })
    expect(only).toMatchObject({ marker: 'check-b2', total: 1, byOutcome: { ok: 1 }, byModel: { 'gpt-4o-mini': { total: 1 } } })
    expect(only.calls).toHaveLength(1)
    expect((await control.stats({ marker: 'nobody' })).total).toBe(0)
  })

  it('logs an unserved route and answers 404 in the caller\'s shape, naming the served routes', async () => {
    const base = mock.baseUrl.replace(/\/v1$/, '')
    const openai = await fetch(`${base}/v1/embeddings?x=1`, { method: 'POST', body: JSON.stringify({ model: 'text-embedding-3-small', input: 'x [agentctl:embed-1]' }) })
    expect(openai.status).toBe(404)
    const openaiError = (await openai.json()).error
    expect(openaiError.type).toBe('invalid_request_error')
    expect(openaiError.message).toMatch(/does not serve POST \/v1\/embeddings; it serves POST \/v1\/chat\/completions.*GET \/v1\/models/)
    const anthropic = await fetch(`${base}/v1/complete`, { method: 'POST', headers: { 'anthropic-version': '2023-06-01' }, body: '{}' })
    expect(anthropic.status).toBe(404)
    expect(await anthropic.json()).toMatchObject({ type: 'error', error: { type: 'not_found_error', message: expect.stringContaining('does not serve POST /v1/complete') } })
    const stats = await control.stats()
    expect(stats.total).toBe(0)
    expect(stats.unserved).toBe(2)
    expect(stats.byApi).toEqual({ unserved: 2 })
    expect(stats.calls.map((c) => [c.api, c.method, c.path, c.status, c.model, c.marker])).toEqual([
      ['unserved', 'POST', '/v1/embeddings', 404, 'text-embedding-3-small', 'embed-1'],
      ['unserved', 'POST', '/v1/complete', 404, 'unknown', undefined],
    ])
    expect((await control.stats({ marker: 'embed-1' })).unserved).toBe(1)
  })
})
