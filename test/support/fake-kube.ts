/**
 * A loopback fake Kubernetes API server serving fixtures/kube/*.json as real list responses.
 * @kubernetes/client-node 2 fetches through undici, so it is tested over real HTTP rather than
 * with an interceptor. No test-framework imports: demos can reuse it.
 *
 * Fixture timestamps are written `{{now}}` or `{{now-200d}}` (s, m, h, d) and resolved on every
 * request, so ages stay right forever.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fixturePath } from '../../src/paths.js'

type Resource = 'pods' | 'secrets' | 'serviceaccounts' | 'networkpolicies' | 'podmetrics' | 'horizontalpodautoscalers'

const ROUTES: Array<[RegExp, Resource]> = [
  [/^\/api\/v1\/namespaces\/([^/]+)\/pods$/, 'pods'],
  [/^\/api\/v1\/namespaces\/([^/]+)\/secrets$/, 'secrets'],
  [/^\/api\/v1\/namespaces\/([^/]+)\/serviceaccounts$/, 'serviceaccounts'],
  [/^\/apis\/networking\.k8s\.io\/v1\/namespaces\/([^/]+)\/networkpolicies$/, 'networkpolicies'],
  [/^\/apis\/metrics\.k8s\.io\/v1beta1\/namespaces\/([^/]+)\/pods$/, 'podmetrics'],
  [/^\/apis\/autoscaling\/v2\/namespaces\/([^/]+)\/horizontalpodautoscalers$/, 'horizontalpodautoscalers'],
]

/** Each fake resource's plural and API group, as the real API server names them. */
const API_GROUP: Record<Resource, [plural: string, group: string]> = {
  pods: ['pods', ''],
  secrets: ['secrets', ''],
  serviceaccounts: ['serviceaccounts', ''],
  networkpolicies: ['networkpolicies', 'networking.k8s.io'],
  podmetrics: ['pods', 'metrics.k8s.io'],
  horizontalpodautoscalers: ['horizontalpodautoscalers', 'autoscaling'],
}

export interface FakeKubeOptions {
  /** Answer these resources with 403 Forbidden (RBAC). */
  forbidden?: Resource[]
  /** The user a 403 names (default system:serviceaccount:ops:agentctl). */
  identity?: string
  /** Answer everything with 401. */
  unauthorized?: boolean
  /** Answer these with 404 (e.g. podmetrics: no metrics-server). */
  missing?: Resource[]
  /** Never answer these (to prove deadlines hold). */
  hang?: Resource[]
  /** Replace a fixture list's items. */
  items?: Partial<Record<Resource, unknown[]>>
  /** Expected bearer token (the kubeconfig writer uses this one). */
  token?: string
}

export interface FakeKube {
  url: string
  requests: string[]
  /** A kubeconfig file pointing at this server (context `fake`, namespace `ai-agents`). */
  kubeconfig: string
  close(): Promise<void>
}

export async function startFakeKube(opts: FakeKubeOptions = {}): Promise<FakeKube> {
  const token = opts.token ?? 'fake-kube-token'
  const requests: string[] = []
  const server = createServer((req, res) => handle(req, res, opts, token, requests))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const kubeconfig = writeKubeconfig(url, { token })
  return {
    url,
    requests,
    kubeconfig,
    close: () =>
      new Promise<void>((resolve) => {
        rmSync(dirname(kubeconfig), { recursive: true, force: true })
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

function handle(req: IncomingMessage, res: ServerResponse, opts: FakeKubeOptions, token: string, requests: string[]): void {
  const url = new URL(req.url ?? '/', 'http://fake')
  requests.push(`${req.method} ${url.pathname}${url.search}`)
  if (opts.unauthorized || req.headers.authorization !== `Bearer ${token}`) return status(res, 401, 'Unauthorized', 'Unauthorized')
  const route = ROUTES.find(([re]) => re.test(url.pathname))
  if (!route || req.method !== 'GET') return status(res, 404, 'NotFound', `the server could not find the requested resource`)
  const [re, resource] = route
  const namespace = decodeURIComponent(re.exec(url.pathname)![1]!)
  if (opts.hang?.includes(resource)) return // never answers; the client's deadline must end it
  if (opts.missing?.includes(resource)) return status(res, 404, 'NotFound', 'the server could not find the requested resource')
  if (opts.forbidden?.includes(resource)) {
    // Worded as the API server words it (k8s.io/apiserver authorization forbidden message).
    const [plural, group] = API_GROUP[resource]
    const qualified = group ? `${plural}.${group}` : plural
    return status(res, 403, 'Forbidden', `${qualified} is forbidden: User "${opts.identity ?? 'system:serviceaccount:ops:agentctl'}" cannot list resource "${plural}" in API group "${group}" in the namespace "${namespace}"`)
  }
  const list = fixtureList(resource)
  const selector = parseSelector(url.searchParams.get('labelSelector') ?? '')
  const items = (opts.items?.[resource] ?? list.items).filter((item) => {
    const meta = (item as { metadata?: { namespace?: string; labels?: Record<string, string> } }).metadata
    return meta?.namespace === namespace && selector(meta.labels ?? {})
  })
  res.writeHead(200, { 'content-type': 'application/json' })
  res.end(JSON.stringify(resolveTimes({ ...list, items })))
}

function status(res: ServerResponse, code: number, reason: string, message: string): void {
  res.writeHead(code, { 'content-type': 'application/json' })
  res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code }))
}

function fixtureList(resource: Resource): { items: unknown[] } & Record<string, unknown> {
  return JSON.parse(readFileSync(fixturePath('kube', `${resource}.json`), 'utf8'))
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }

/** Replaces `{{now}}` / `{{now-200d}}` strings with RFC 3339 timestamps relative to now. */
export function resolveTimes<T>(value: T, now = Date.now()): T {
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') {
      const m = /^\{\{now(?:-(\d+)([smhd]))?\}\}$/.exec(v)
      return m ? new Date(now - (m[1] ? Number(m[1]) * UNIT_MS[m[2]!]! : 0)).toISOString().replace(/\.\d{3}Z$/, 'Z') : v
    }
    if (Array.isArray(v)) return v.map(walk)
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]))
    return v
  }
  return walk(value) as T
}

/** Equality-based label selectors as the API server reads them: a=b, a==b, a!=b, a, !a (comma = and). */
export function parseSelector(text: string): (labels: Record<string, string>) => boolean {
  const terms = text.split(',').map((t) => t.trim()).filter(Boolean).map((term) => {
    const ne = /^([^!=]+)!=(.*)$/.exec(term)
    if (ne) return (l: Record<string, string>) => l[ne[1]!.trim()] !== ne[2]!.trim()
    const eq = /^([^!=]+)==?(.*)$/.exec(term)
    if (eq) return (l: Record<string, string>) => l[eq[1]!.trim()] === eq[2]!.trim()
    if (term.startsWith('!')) return (l: Record<string, string>) => !(term.slice(1) in l)
    return (l: Record<string, string>) => term in l
  })
  return (labels) => terms.every((t) => t(labels))
}

/** Writes a kubeconfig for an http:// fake server (skipTLSVerify, bearer token); returns its path. */
export function writeKubeconfig(server: string, opts: { token?: string; namespace?: string; context?: string } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'agentctl-kube-'))
  const file = join(dir, 'kubeconfig.yaml')
  const context = opts.context ?? 'fake'
  writeFileSync(
    file,
    [
      'apiVersion: v1',
      'kind: Config',
      `current-context: ${context}`,
      'clusters:',
      `- name: fake-cluster`,
      '  cluster:',
      `    server: ${server}`,
      '    insecure-skip-tls-verify: true',
      'contexts:',
      `- name: ${context}`,
      '  context:',
      '    cluster: fake-cluster',
      '    user: fake-user',
      `    namespace: ${opts.namespace ?? 'ai-agents'}`,
      'users:',
      '- name: fake-user',
      '  user:',
      `    token: ${opts.token ?? 'fake-kube-token'}`,
      '',
    ].join('\n'),
  )
  return file
}
