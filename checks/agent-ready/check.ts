import type { Check, CheckContext, CheckOutcome } from '../../src/check.js'
import { agentHeaders, agentSpec, failureOutcome, joinUrl, ms, parseEndpoint, probeBudgetMs, probeHttp } from '../../src/probes/index.js'
import { redact } from '../../src/redact.js'
import { type ComponentHealth, parseHealthDocument } from './health-json.js'

/** Which agentctl check digs deeper into a component the agent reports (by the name's prefix). */
const DEEPER_CHECK: Record<string, string> = { redis: 'redis', cache: 'redis', postgres: 'postgres', postgresql: 'postgres', database: 'postgres', db: 'postgres', llm: 'llm-endpoint', nats: 'nats', prometheus: 'prometheus' }

export const agentReadyCheck: Check = {
  id: 'agent-ready',
  category: 'connectivity',
  categoryByMode: { validate: 'dependencies', diagnose: 'connectivity' },
  title: 'Agent readiness',
  description: "The agent's readiness endpoint (target.readyPath) and each dependency it reports (application/health+json)",
  appliesTo: ['validate', 'diagnose'],
  severity: 'fail',
  async run(ctx: CheckContext): Promise<CheckOutcome[]> {
    const url = joinUrl(ctx.config.target.url, ctx.config.target.readyPath)
    const ep = parseEndpoint(url)
    if (!ep) return [{ status: 'fail', message: `target URL "${ctx.config.target.url}" is not a URL`, remediation: 'set target.url (or --target) to e.g. http://127.0.0.1:8080' }]
    const budgetMs = probeBudgetMs(ctx)
    const spec = agentSpec(ctx.config, url)
    const res = await probeHttp(url, { signal: ctx.signal, timeoutMs: budgetMs, headers: agentHeaders(ctx.config) })
    if (!res.ok) return [failureOutcome(spec, ep, res.error, { budgetMs, connected: res.connected, firstBytes: res.firstBytes })]
    const doc = parseHealthDocument(res.body)
    const contentType = res.headers['content-type'] ?? null
    const httpReady = res.status >= 200 && res.status < 300
    const evidence: Record<string, unknown> = { url: ep.display, httpStatus: res.status, latencyMs: res.latencyMs, contentType }
    if (res.status === 404 || res.status === 405) return [noReadinessRoute(ctx.config.target.readyPath, res.status, evidence)]
    if (!doc) {
      evidence.body = redact(res.body.slice(0, 200))
      return [{ status: httpReady ? 'warn' : 'fail', message: `HTTP ${res.status} in ${ms(res.latencyMs)}, but the body is not application/health+json — no per-dependency detail`, remediation: 'return {"status":"pass","checks":{"redis:connected":[{"status":"pass"}]}} with Content-Type application/health+json so on-call sees which dependency is down', evidence }]
    }
    evidence.status = doc.status
    evidence.components = Object.fromEntries(doc.components.map((c) => [c.name, { status: c.status, ...(c.observedValue !== undefined ? { observedValue: c.observedValue, observedUnit: c.observedUnit } : {}), ...(c.output ? { output: redact(c.output) } : {}) }]))
    const bad = doc.components.filter((c) => c.status !== 'pass')
    const status = !httpReady || doc.status === 'fail' ? 'fail' : doc.status === 'warn' || bad.length ? 'warn' : 'pass'
    const summary = doc.components.length ? doc.components.map((c) => `${c.name} ${c.status}`).join(', ') : 'no components reported'
    const outcomes: CheckOutcome[] = [
      {
        status,
        message: status === 'pass' ? `ready (HTTP ${res.status} in ${ms(res.latencyMs)}): ${summary}` : `${status === 'fail' ? 'NOT ready' : 'degraded'} (HTTP ${res.status}, status ${doc.status}): ${summary}`,
        evidence,
        ...(status === 'pass' ? {} : { remediation: bad.length ? `see the per-dependency findings in this report; \`${spec.logsCommand}\`` : `the agent reports ${doc.status} without naming a dependency: \`${spec.logsCommand}\`` }),
      },
    ]
    for (const c of bad) outcomes.push(componentOutcome(c, spec.logsCommand ?? ''))
    return outcomes
  },
}

/**
 * Most framework agents ship no readiness route (issue 14: none of five did). That is a gap to
 * close, not a lie: warn, say what a good one checks, and keep `fail` for a route that lies or breaks.
 */
function noReadinessRoute(readyPath: string, status: number, evidence: Record<string, unknown>): CheckOutcome {
  const configured = readyPath !== '/ready'
  return {
    status: 'warn',
    message: configured
      ? `target.readyPath ${readyPath} answered HTTP ${status}: no readiness route there, so orchestrators can't tell when the agent can serve`
      : `the agent has no readiness endpoint (GET ${readyPath} → HTTP ${status}), so Kubernetes and load balancers can't tell when it can serve`,
    remediation:
      `${configured ? "Set target.readyPath to the agent's readiness route if it has one; otherwise add" : 'Add'} a readiness route that checks what the agent itself needs to serve a chat (database, cache, queue, vector store) and NOT the LLM provider (a provider outage would take every replica out at once; fallbacks handle it), answering 503 when one is down, e.g. ` +
      'GET /ready → 200 Content-Type: application/health+json {"status":"pass","checks":{"postgres:connected":[{"status":"pass"}]}} (503 with "status":"fail" when a dependency is down). ' +
      'Point the readiness probe at it (readinessProbe.httpGet.path) and set target.readyPath if it is not /ready.',
    evidence,
  }
}

function componentOutcome(c: ComponentHealth, logs: string): CheckOutcome {
  const prefix = c.name.split(/[:#]/)[0]!.toLowerCase()
  const deeper = DEEPER_CHECK[prefix]
  const observed = c.observedValue !== undefined ? ` (observed ${JSON.stringify(c.observedValue)}${c.observedUnit ? ` ${c.observedUnit}` : ''})` : ''
  return {
    title: `Agent readiness: ${c.name}`,
    status: c.status === 'warn' ? 'warn' : 'fail',
    message: `the agent reports ${c.name} ${c.status}${c.output ? `: ${redact(c.output)}` : ''}${observed}`,
    remediation: deeper ? `probe it directly: \`agentctl diagnose --only ${deeper}\`; the agent's view: \`${logs}\`` : `\`${logs}\``,
    evidence: { component: c.name, status: c.status, ...(c.componentType ? { componentType: c.componentType } : {}), ...(c.observedValue !== undefined ? { observedValue: c.observedValue } : {}), ...(c.output ? { output: redact(c.output) } : {}) },
  }
}
