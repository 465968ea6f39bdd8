import { afterEach, describe, expect, it } from 'vitest'
import { PromQueryClient } from './promql.js'
import { fakePrometheus, type FakeServer } from '../../test/support/fake-metrics.js'

let server: FakeServer | undefined
afterEach(async () => server?.close())

describe('PromQueryClient', () => {
  it('returns vector samples and passes the query and a server-side timeout', async () => {
    server = await fakePrometheus(() => [{ metric: { model: 'gpt-4o' }, value: 1.5 }])
    const client = new PromQueryClient(server.url, { signal: AbortSignal.timeout(5000), timeoutMs: 3000 })
    expect(await client.query('sum by (model) (x)')).toEqual([{ metric: { model: 'gpt-4o' }, value: 1.5 }])
    expect(new URLSearchParams(server.requests[0]!.split('?')[1]).get('query')).toBe('sum by (model) (x)')
    expect(server.requests[0]).toContain('timeout=3s')
  })
  it("surfaces Prometheus' own error message for a bad query", async () => {
    server = await fakePrometheus(() => 'parse error at char 5: unexpected "}"')
    const client = new PromQueryClient(server.url, { signal: AbortSignal.timeout(5000), timeoutMs: 1000 })
    await expect(client.query('x}')).rejects.toThrow('query rejected (bad_data): parse error at char 5')
  })
  it('gives up at its deadline against a server that never answers', async () => {
    const { createServer } = await import('node:net')
    const hang = createServer(() => {}).listen(0, '127.0.0.1')
    await new Promise((r) => hang.once('listening', r))
    const port = (hang.address() as { port: number }).port
    const client = new PromQueryClient(`http://127.0.0.1:${port}`, { signal: AbortSignal.timeout(5000), timeoutMs: 300 })
    const started = Date.now()
    await expect(client.query('up')).rejects.toThrow('no answer within 300ms')
    expect(Date.now() - started).toBeLessThan(1500)
    hang.close()
  })
})
