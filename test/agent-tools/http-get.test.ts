import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import pg from 'pg'
import { loadAgentConfig } from '../../agent/config.js'
import { createToolRegistry, hostAllowed, parseAllowlist, type ToolRegistry } from '../../agent/tools/index.js'
import { memoryLogger, toolContext } from './pg-fixture.js'

// http_get never touches the database; an unconnected pool makes the audit write fail, which the
// registry must log and survive (asserted below).
const pool = new pg.Pool({ host: '127.0.0.1', port: 1, connectionTimeoutMillis: 200 })
let server: Server
/** Another service on the same host: what a redirect must not reach (the agent's /metrics, say). */
let other: Server
let otherPort: number
let base: string
let port: number
const hits: string[] = []
const otherHits: string[] = []

beforeAll(async () => {
  server = createServer((req, res) => {
    hits.push(`${req.headers.host}${req.url}`)
    const url = new URL(req.url ?? '/', 'http://x')
    switch (url.pathname) {
      case '/json':
        return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ hello: 'world' }))
      case '/to-other-port':
        return res.writeHead(302, { location: `http://127.0.0.1:${otherPort}/metrics` }).end()
      case '/to-other-port-decimal':
        return res.writeHead(302, { location: `http://2130706433:${otherPort}/metrics` }).end()
      case '/to-localhost':
        return res.writeHead(302, { location: `http://localhost:${port}/json` }).end()
      case '/hop': {
        const n = Number(url.searchParams.get('n'))
        return n > 0 ? res.writeHead(301, { location: `/hop?n=${n - 1}` }).end() : res.writeHead(200, { 'content-type': 'text/plain' }).end('landed')
      }
      case '/big':
        return res.writeHead(200, { 'content-type': 'text/plain' }).end('x'.repeat(500 * 1024))
      case '/binary':
        return res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(Buffer.alloc(10))
      case '/hang':
        return // never answers
      default:
        return res.writeHead(404, { 'content-type': 'text/plain' }).end('not here')
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  port = (server.address() as AddressInfo).port
  base = `http://127.0.0.1:${port}`
  other = createServer((req, res) => {
    otherHits.push(`${req.headers.host}${req.url}`)
    res.writeHead(200, { 'content-type': 'text/plain' }).end('agent_secret_metric 1')
  })
  await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve))
  otherPort = (other.address() as AddressInfo).port
  registry = createToolRegistry({ httpAllowlist: [`127.0.0.1:${port}`], toolTimeoutMs: 5000 })
})
afterAll(async () => {
  for (const s of [server, other]) {
    s.closeAllConnections()
    await new Promise((resolve) => s.close(resolve))
  }
  await pool.end()
})

let registry: ToolRegistry
const get = (url: string, role = 'admin') => registry.execute({ name: 'http_get', arguments: JSON.stringify({ url }) }, toolContext(pool, { role }))

describe('http_get', () => {
  it('fetches JSON from an allowlisted host', async () => {
    const result = await get(`${base}/json`)
    expect(result.outcome).toBe('success')
    expect(JSON.parse(result.content)).toMatchObject({ status: 200, contentType: 'application/json', truncated: false, body: '{"hello":"world"}' })
  })

  it('refuses hosts off the allowlist, credentials in URLs and non-http schemes', async () => {
    expect(await get(`http://localhost:${port}/json`)).toMatchObject({ outcome: 'error', content: expect.stringContaining('not on the allowlist') })
    expect(await get(`http://user:pw@127.0.0.1:${port}/json`)).toMatchObject({ outcome: 'error', content: expect.stringContaining('credentials') })
    expect(await get('file:///etc/passwd')).toMatchObject({ outcome: 'error', content: expect.stringContaining('only http and https') })
    expect(await get('not a url')).toMatchObject({ outcome: 'error', content: expect.stringContaining('not an absolute URL') })
  })

  it('re-checks every redirect hop: a bounce to a host off the allowlist is refused before it is fetched', async () => {
    hits.length = 0
    const result = await get(`${base}/to-localhost`)
    expect(result).toMatchObject({ outcome: 'error', content: expect.stringContaining('//localhost:') })
    expect(hits).toEqual([`127.0.0.1:${port}/to-localhost`])
  })

  it('refuses a redirect to another port of the allowlisted host, naming the allowlist (issue 21)', async () => {
    hits.length = 0
    otherHits.length = 0
    for (const path of ['/to-other-port', '/to-other-port-decimal']) {
      const result = await get(`${base}${path}`)
      expect(result.outcome).toBe('error')
      expect(result.content).toContain(`http://127.0.0.1:${otherPort} is not on the allowlist (HTTP_GET_ALLOWLIST: 127.0.0.1:${port};`)
    }
    expect(otherHits).toEqual([])
    expect(hits).toEqual([`127.0.0.1:${port}/to-other-port`, `127.0.0.1:${port}/to-other-port-decimal`])
  })

  it('binds ports: an entry without a port allows the default port only', async () => {
    const noPort = createToolRegistry({ httpAllowlist: ['127.0.0.1'], toolTimeoutMs: 2000 })
    const result = await noPort.execute({ name: 'http_get', arguments: JSON.stringify({ url: `${base}/json` }) }, toolContext(pool))
    expect(result).toMatchObject({ outcome: 'error', content: expect.stringContaining(`http://127.0.0.1:${port} is not on the allowlist`) })
    expect(result.content).toContain('an entry without a port allows the default port only')
  })

  it('treats decimal, hex and IPv4-mapped IPv6 spellings as the host they name', async () => {
    // Same host and port as listed: allowed, whatever the spelling (the URL parser canonicalises).
    for (const spelling of ['2130706433', '0x7f000001', '0x7f.1', '127.1']) {
      expect((await get(`http://${spelling}:${port}/json`)).outcome).toBe('success')
    }
    // Another listed host does not let a spelling of loopback through.
    const publicOnly = createToolRegistry({ httpAllowlist: ['api.example.com'], toolTimeoutMs: 2000 })
    for (const url of [`http://2130706433/`, `http://0x7f.1/`, `http://[::1]/`, `http://[::ffff:127.0.0.1]/`, `http://[::ffff:7f00:1]:${port}/json`]) {
      const result = await publicOnly.execute({ name: 'http_get', arguments: JSON.stringify({ url }) }, toolContext(pool))
      expect(result, url).toMatchObject({ outcome: 'error', content: expect.stringContaining('is not on the allowlist') })
    }
  })

  it('refuses a listed name that resolves to a loopback address (list the address to mean it)', async () => {
    hits.length = 0
    const byName = createToolRegistry({ httpAllowlist: [`localhost:${port}`], toolTimeoutMs: 2000 })
    const result = await byName.execute({ name: 'http_get', arguments: JSON.stringify({ url: `http://localhost:${port}/json` }) }, toolContext(pool))
    expect(result).toMatchObject({ outcome: 'error', content: expect.stringMatching(/refused: localhost resolves to (127\.0\.0\.1|::1), a loopback or private address/) })
    expect(hits).toEqual([])
  })

  it('follows up to 3 allowed redirects, no more', async () => {
    expect(JSON.parse((await get(`${base}/hop?n=3`)).content)).toMatchObject({ body: 'landed', url: `${base}/hop?n=0` })
    expect(await get(`${base}/hop?n=4`)).toMatchObject({ outcome: 'error', content: expect.stringContaining('too many redirects') })
  })

  it('caps the body at 100 kB and says it truncated', async () => {
    const body = JSON.parse((await get(`${base}/big`)).content)
    expect(body).toMatchObject({ truncated: true, bytes: 100 * 1024 })
    expect(body.body).toHaveLength(100 * 1024)
  })

  it('refuses non-text content and reports non-2xx statuses as data', async () => {
    expect(await get(`${base}/binary`)).toMatchObject({ outcome: 'error', content: expect.stringContaining('unsupported content type') })
    expect(JSON.parse((await get(`${base}/missing`)).content)).toMatchObject({ status: 404, body: 'not here' })
  })

  it('times out a server that never answers', async () => {
    const quick = createToolRegistry({ httpAllowlist: [`127.0.0.1:${port}`], toolTimeoutMs: 300 })
    const started = Date.now()
    expect(await quick.execute({ name: 'http_get', arguments: JSON.stringify({ url: `${base}/hang` }) }, toolContext(pool))).toEqual({ outcome: 'timeout', content: 'http_get timed out after 300 ms.' })
    expect(Date.now() - started).toBeLessThan(1500)
  })

  it('is off without an allowlist, and denied to roles without it', async () => {
    const off = createToolRegistry({ httpAllowlist: [], toolTimeoutMs: 400 })
    expect(off.definitions('admin').map((d) => d.function.name)).not.toContain('http_get')
    const result = await off.execute({ name: 'http_get', arguments: JSON.stringify({ url: `${base}/json` }) }, toolContext(pool))
    expect(result).toMatchObject({ outcome: 'denied', content: expect.stringContaining('no host allowlist') })
    expect(registry.definitions('admin').map((d) => d.function.name)).toContain('http_get')
    expect(registry.definitions('admin').find((d) => d.function.name === 'http_get')!.function.description).toContain(`127.0.0.1:${port}; no other port`)
    expect(registry.definitions('user').map((d) => d.function.name)).not.toContain('http_get')
    expect(await get(`${base}/json`, 'user')).toMatchObject({ outcome: 'denied' })
  })

  it('logs (and survives) a failed audit write', async () => {
    const { logger, lines } = memoryLogger()
    const result = await registry.execute({ name: 'http_get', arguments: JSON.stringify({ url: `${base}/json` }) }, toolContext(pool, { logger }))
    expect(result.outcome).toBe('success')
    expect(lines.some((l) => l.msg === 'tool audit write failed')).toBe(true)
    expect(lines.some((l) => l.msg === 'tool call' && l.tool === 'http_get')).toBe(true)
  })
})

describe('host allowlist matching', () => {
  const u = (s: string) => new URL(s)
  it.each([
    ['https://api.example.com/x', ['api.example.com'], true],
    ['https://API.Example.com./x', ['api.example.com'], true],
    ['https://evil-api.example.com/x', ['api.example.com'], false],
    ['https://api.example.com.evil.io/x', ['api.example.com'], false],
    ['https://a.b.example.com/x', ['*.example.com'], true],
    ['https://example.com/x', ['*.example.com'], false],
    ['https://notexample.com/x', ['*.example.com'], false],
    ['http://127.0.0.1:8443/x', ['127.0.0.1:8443'], true],
    ['http://127.0.0.1:9000/x', ['127.0.0.1:8443'], false],
    ['http://127.0.0.1/x', ['127.0.0.1'], true],
    ['http://127.0.0.1:80/x', ['127.0.0.1'], true],
    ['http://127.0.0.1:8080/x', ['127.0.0.1'], false],
    ['https://api.example.com:8443/x', ['api.example.com'], false],
    ['https://api.example.com:8443/x', ['api.example.com:8443'], true],
    ['https://a.example.com:8443/x', ['*.example.com'], false],
    ['https://a.example.com:8443/x', ['*.example.com:8443'], true],
    ['http://2130706433:8443/x', ['127.0.0.1:8443'], true],
    ['http://127.0.0.1:8443/x', ['0x7f.1:8443'], true],
    ['http://[::1]:8443/x', ['127.0.0.1:8443'], false],
    ['http://[::1]:8443/x', ['[::1]:8443'], true],
    ['http://[0:0:0:0:0:0:0:1]:8443/x', ['[::1]:8443'], true],
  ])('%s against %j -> %s', (url, list, expected) => {
    expect(hostAllowed(u(url), parseAllowlist(list))).toBe(expected)
  })

  it.each(['http://api.example.com', 'api.example.com/path', 'host:99999', '*', 'a b', 'user@host'])('refuses the entry %j at start, naming HTTP_GET_ALLOWLIST', (entry) => {
    expect(() => loadAgentConfig({ HTTP_GET_ALLOWLIST: entry })).toThrow(/HTTP_GET_ALLOWLIST: .*not a host allowlist entry: write host, host:port/)
  })
})
