import type { Check, CheckContext, CheckOutcome } from '../../src/check.js'
import { agentHeaders, agentSpec, failureOutcome, joinUrl, ms, parseEndpoint, probeBudgetMs, probeHttp } from '../../src/probes/index.js'

const SLOW_MS = 1000

export const agentHealthCheck: Check = {
  id: 'agent-health',
  category: 'connectivity',
  categoryByMode: { validate: 'dependencies', diagnose: 'connectivity' },
  title: 'Agent liveness',
  description: "The agent's liveness endpoint (target.healthPath) answers 2xx quickly",
  appliesTo: ['validate', 'diagnose'],
  severity: 'fail',
  async run(ctx: CheckContext): Promise<CheckOutcome> {
    const url = joinUrl(ctx.config.target.url, ctx.config.target.healthPath)
    const ep = parseEndpoint(url)
    if (!ep) return { status: 'fail', message: `target URL "${ctx.config.target.url}" is not a URL`, remediation: 'set target.url (or --target) to e.g. http://127.0.0.1:8080' }
    const budgetMs = probeBudgetMs(ctx)
    const spec = agentSpec(ctx.config, url)
    const res = await probeHttp(url, { signal: ctx.signal, timeoutMs: budgetMs, headers: agentHeaders(ctx.config) })
    if (!res.ok) return failureOutcome(spec, ep, res.error, { budgetMs, connected: res.connected, firstBytes: res.firstBytes })
    const evidence = { url: ep.display, httpStatus: res.status, latencyMs: res.latencyMs, contentType: res.headers['content-type'] ?? null, body: res.body.slice(0, 200) }
    if (res.status >= 200 && res.status < 300) {
      if (res.latencyMs > SLOW_MS) return { status: 'warn', message: `alive, but /health took ${ms(res.latencyMs)}`, remediation: `liveness must be cheap; a slow one gets pods killed. \`${spec.logsCommand}\`; check event-loop lag (nodejs_eventloop_lag_seconds)`, evidence }
      return { status: 'pass', message: `HTTP ${res.status} in ${ms(res.latencyMs)}`, evidence }
    }
    const hint = res.status === 404 ? `no route at ${ctx.config.target.healthPath}: set target.healthPath to the agent's liveness path` : res.status === 401 || res.status === 403 ? 'liveness should not require auth (probes from the kubelet carry no token); or set target.apiKey' : `\`${spec.logsCommand}\``
    return { status: 'fail', message: `liveness answered HTTP ${res.status} in ${ms(res.latencyMs)}`, remediation: `${hint}; reproduce: \`${spec.cliCommand(ep)}\``, evidence }
  },
}
