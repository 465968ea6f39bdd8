import type { Check, CheckContext, CheckOutcome } from '../../src/check.js'
import { METRICS } from '../../src/contracts/metric-names.js'
import { Deadline, type DependencySpec, failureOutcome, type HttpProbeResult, joinUrl, ms, notConfigured, parseEndpoint, probeBudgetMs, probeHttp, shellQuote } from '../../src/probes/index.js'

interface VectorSample {
  metric: Record<string, string>
  value: [number, string]
}

export const prometheusCheck: Check = {
  id: 'prometheus',
  category: 'connectivity',
  categoryByMode: { validate: 'dependencies', diagnose: 'connectivity' },
  title: 'Prometheus',
  description: "Prometheus is ready (/-/ready), its scrape targets are up, and it holds the agent's metrics",
  appliesTo: ['validate', 'diagnose'],
  severity: 'warn',
  async run(ctx: CheckContext): Promise<CheckOutcome[]> {
    const base = ctx.config.dependencies.prometheus
    if (!base) return [notConfigured('Prometheus', 'dependencies.prometheus', 'AGENTCTL_PROMETHEUS_URL', 'http://prometheus:9090')]
    const ep = parseEndpoint(base)
    if (!ep) return [{ status: 'fail', message: 'dependencies.prometheus is not a valid URL', remediation: 'write it as http://host:9090' }]
    const budgetMs = probeBudgetMs(ctx)
    const deadline = new Deadline(budgetMs)
    const readyUrl = joinUrl(base, '/-/ready')
    const spec: DependencySpec = {
      name: 'Prometheus',
      service: 'prometheus',
      configKey: 'dependencies.prometheus',
      envVar: 'AGENTCTL_PROMETHEUS_URL',
      cliCommand: () => `curl -sS -m 5 ${shellQuote(readyUrl)}`,
      namespace: ctx.config.kubernetes?.namespace,
    }
    const ready = await probeHttp(readyUrl, { signal: ctx.signal, timeoutMs: deadline.remaining() })
    if (!ready.ok) return [failureOutcome(spec, ep, ready.error, { budgetMs, connected: ready.connected, firstBytes: ready.firstBytes })]
    const evidence: Record<string, unknown> = { url: ep.display, httpStatus: ready.status, latencyMs: ready.latencyMs }
    if (ready.status !== 200) {
      const starting = ready.status === 503
      return [{ status: 'fail', message: starting ? `Prometheus is not ready yet (HTTP 503: ${ready.body.trim().slice(0, 80)}) — usually replaying its WAL after a restart` : `/-/ready answered HTTP ${ready.status} — is this Prometheus?`, remediation: starting ? '`kubectl logs` / `journalctl -u prometheus` shows WAL replay progress; a huge WAL means a long wait' : `${spec.cliCommand(ep)}; check dependencies.prometheus points at Prometheus itself (port 9090), not a proxy`, evidence }]
    }
    // Two instant queries at once: which scrape targets are down, and is the agent scraped at all.
    const query = (promql: string) => probeHttp(joinUrl(base, `/api/v1/query?query=${encodeURIComponent(promql)}`), { signal: ctx.signal, timeoutMs: deadline.remaining(), headers: { accept: 'application/json' }, maxBodyBytes: 512 * 1024 })
    const [up, agent] = await Promise.all([query('up'), query(`count(${METRICS.httpRequests})`)])
    const upSamples = vector(up)
    const outcomes: CheckOutcome[] = []
    if (!upSamples) {
      evidence.apiError = up.ok ? `HTTP ${up.status}: ${up.body.slice(0, 120)}` : up.error.summary
      return [{ status: 'warn', message: `ready in ${ms(ready.latencyMs)}, but the query API did not answer usefully (${evidence.apiError})`, remediation: `${spec.cliCommand(ep).replace('/-/ready', '/api/v1/query?query=up')}`, evidence }]
    }
    const down = upSamples.filter((s) => s.value[1] !== '1').map((s) => `${s.metric.job ?? '?'}/${s.metric.instance ?? '?'}`)
    const agentSeries = Number(vector(agent)?.[0]?.value[1] ?? 0)
    Object.assign(evidence, { targets: upSamples.length, targetsDown: down, agentSeries })
    outcomes.push({ status: 'pass', message: `ready in ${ms(ready.latencyMs)} · ${upSamples.length - down.length}/${upSamples.length} scrape targets up`, evidence })
    if (down.length) {
      outcomes.push({ title: 'Prometheus scrape targets', status: 'warn', message: `${down.length} scrape target${down.length === 1 ? '' : 's'} down: ${down.slice(0, 5).join(', ')}${down.length > 5 ? ', …' : ''}`, remediation: `the last scrape error per target: \`curl -s ${shellQuote(joinUrl(base, '/api/v1/targets?state=active'))} | jq '.data.activeTargets[] | select(.health!="up") | {scrapeUrl, lastError}'\``, evidence })
    }
    if (agentSeries === 0) {
      outcomes.push({ title: "Prometheus has the agent's metrics", status: 'warn', message: `no ${METRICS.httpRequests} series — Prometheus does not scrape the agent, so the performance and cost diagnosis has no data`, remediation: `add a scrape job for the agent's ${ctx.config.target.metricsPath} (or a ServiceMonitor: \`kubectl get servicemonitors -A\`), then check /api/v1/targets`, evidence })
    }
    return outcomes
  },
}

function vector(res: HttpProbeResult): VectorSample[] | undefined {
  if (!res.ok || res.status !== 200) return undefined
  try {
    const body = JSON.parse(res.body) as { status?: string; data?: { resultType?: string; result?: VectorSample[] } }
    return body.status === 'success' && body.data?.resultType === 'vector' ? (body.data.result ?? []) : undefined
  } catch {
    return undefined
  }
}
