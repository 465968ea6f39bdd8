/**
 * Loopback fakes for metrics sources (no test-framework imports, so demos can reuse them):
 * - an agent /metrics endpoint whose exposition text changes from one scrape to the next;
 * - a Prometheus HTTP API answering /api/v1/query with vector results from a handler, and
 *   /api/v1/query_exemplars from another (404 without one, like a proxy that knows no such API).
 */
import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fixturePath } from '../../src/paths.js'

export interface FakeServer {
  url: string
  /** Requests seen, in order (path + query). */
  requests: string[]
  /** The Accept header of each request, in the same order. */
  accepts: Array<string | undefined>
  close(): Promise<void>
}

async function listen(server: Server, requests: string[], accepts: Array<string | undefined> = []): Promise<FakeServer> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    accepts,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()) }),
  }
}

export function metricsFixture(name: string): string {
  return readFileSync(fixturePath('metrics', name), 'utf8')
}

export const CLASSIC_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'
export const OPENMETRICS_CONTENT_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8'

/** Serves scrapes[0] on the first GET /metrics, scrapes[1] on the second, then the last one again. */
export function fakeMetricsEndpoint(scrapes: string[], opts: { path?: string; status?: number; contentType?: string } = {}): Promise<FakeServer> {
  const requests: string[] = []
  const accepts: Array<string | undefined> = []
  let served = 0
  const server = createServer((req, res) => {
    requests.push(req.url ?? '')
    accepts.push(req.headers.accept)
    if (req.url?.split('?')[0] !== (opts.path ?? '/metrics')) return void res.writeHead(404).end('not found')
    if (opts.status && opts.status !== 200) return void res.writeHead(opts.status).end('unavailable')
    const body = scrapes[Math.min(served++, scrapes.length - 1)]!
    res.writeHead(200, { 'content-type': opts.contentType ?? CLASSIC_CONTENT_TYPE }).end(body)
  })
  return listen(server, requests, accepts)
}

export interface VectorResult {
  metric: Record<string, string>
  value: number
}

/** One series of a `/api/v1/query_exemplars` answer, as Prometheus writes it. */
export interface ExemplarSeries {
  seriesLabels: Record<string, string>
  exemplars: Array<{ labels: Record<string, string>; value: string; timestamp: number }>
}

/**
 * A Prometheus API: `answer(query)` returns the vector (or a string to answer with a query error);
 * `exemplars(query, params)` the exemplar series, or an HTTP status to answer with.
 */
export function fakePrometheus(answer: (query: string) => VectorResult[] | string, exemplars?: (query: string, params: URLSearchParams) => ExemplarSeries[] | number): Promise<FakeServer> {
  const requests: string[] = []
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x')
    requests.push(url.pathname + url.search)
    if (url.pathname === '/api/v1/query_exemplars' && exemplars) {
      const found = exemplars(url.searchParams.get('query') ?? '', url.searchParams)
      if (typeof found === 'number') return void res.writeHead(found, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'error', errorType: 'bad_data', error: 'refused' }))
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'success', data: found }))
    }
    if (url.pathname !== '/api/v1/query') return void res.writeHead(404).end('404 page not found')
    const query = url.searchParams.get('query') ?? ''
    const result = answer(query)
    res.setHeader('content-type', 'application/json')
    if (typeof result === 'string') return void res.writeHead(400).end(JSON.stringify({ status: 'error', errorType: 'bad_data', error: result }))
    const now = Date.now() / 1000
    res.end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: result.map((r) => ({ metric: r.metric, value: [now, String(r.value)] })) } }))
  })
  return listen(server, requests)
}

/**
 * Turns a `sum by (...) (increase(name[range]))` query into a vector computed from two scrapes
 * of fixture text, so the fake Prometheus and the scrape path see the same traffic. `scale`
 * multiplies increases (e.g. a 24h range holds many windows' worth of traffic).
 */
export function vectorFromFixtures(query: string, before: string, after: string, scale = 1): VectorResult[] {
  const name = /(?:increase\()?([a-z_:]+)(?:\{[^}]*\})?(?:\[|$)/.exec(query.replace(/^.*\(increase\(/, 'increase('))?.[1]
  const by = /by \(([^)]*)\)/.exec(query)?.[1]?.split(',').map((s) => s.trim()) ?? []
  const notRoute = /route!~"([^"]*)"/.exec(query)?.[1]?.split('|') ?? []
  const groups = new Map<string, VectorResult>()
  const parse = (text: string) => {
    const values = new Map<string, { labels: Record<string, string>; value: number }>()
    for (const line of text.split('\n')) {
      const m = /^([a-z_:]+)(?:\{(.*)\})? (\S+)$/.exec(line)
      if (!m || m[1] !== name) continue
      const labels = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1]!, x[2]!]))
      values.set(line.slice(0, line.lastIndexOf(' ')), { labels, value: Number(m[3]) })
    }
    return values
  }
  const old = parse(before)
  for (const [key, cur] of parse(after)) {
    if (notRoute.includes(cur.labels.route ?? '\u0000')) continue
    const increase = query.includes('increase(') ? (cur.value - (old.get(key)?.value ?? 0)) * scale : cur.value
    const metric = by.length ? Object.fromEntries(by.map((k) => [k, cur.labels[k] ?? ''])) : cur.labels
    const gkey = JSON.stringify(metric)
    const group = groups.get(gkey) ?? { metric, value: 0 }
    group.value += increase
    groups.set(gkey, group)
  }
  return [...groups.values()]
}
