/**
 * The insight half of `agentctl diagnose` through the real runner: every check at once against a
 * fake Kubernetes API server and a changing /metrics endpoint, as the command runs them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { diagnoseCatalogue } from '../../checks/catalogue-diagnose.js'
import { ConfigSchema } from '../../src/config/schema.js'
import { runChecks } from '../../src/runner.js'
import { type FakeKube, startFakeKube } from '../support/fake-kube.js'
import { fakeMetricsEndpoint, type FakeServer, metricsFixture } from '../support/fake-metrics.js'

let kube: FakeKube
let agent: FakeServer
beforeAll(async () => {
  // vitest's module runner loads @kubernetes/client-node in seconds (plain Node: ~0.5 s) and that
  // blocks the event loop under the concurrent metrics scrape; warm it so the test measures checks.
  await import('@kubernetes/client-node')
  kube = await startFakeKube()
  agent = await fakeMetricsEndpoint([metricsFixture('agent-scrape-1.prom'), metricsFixture('agent-scrape-2.prom')])
})
afterAll(async () => {
  await kube.close()
  await agent.close()
})

describe('diagnose insights through the runner', () => {
  it('runs all insight checks concurrently inside the budget, sharing one metrics sample and one list per resource', async () => {
    const config = ConfigSchema.parse({
      target: { url: agent.url },
      kubernetes: { kubeconfig: kube.kubeconfig, namespace: 'ai-agents', selector: 'app=ai-agent' },
      budget: { dailyUsd: 500, monthlyUsd: 15000 },
    })
    const started = Date.now()
    const findings = await runChecks(diagnoseCatalogue, { mode: 'diagnose', config, timeoutMs: 5000, options: { windowMs: 5 * 60_000 } })
    const elapsed = Date.now() - started
    expect(elapsed).toBeLessThan(5000)
    // The no-Prometheus sample is capped at 2 s whatever --window says, and stated in the evidence.
    const perf = findings.find((f) => f.checkId === 'performance-slo')!
    expect(perf.evidence).toMatchObject({ requestedWindow: '5.0m' })
    expect(String(perf.evidence.window)).toMatch(/^2\.\d\ds$/)
    // One sample of /metrics (two scrapes) for every metrics-based check.
    expect(agent.requests.filter((r) => r === '/metrics')).toHaveLength(2)
    // Each Kubernetes list fetched once for the whole run.
    const lists = kube.requests.map((r) => r.split('?')[0])
    expect(lists.length).toBe(new Set(kube.requests).size)
    for (const f of findings) {
      expect(f.status).not.toBe('error')
      expect(Object.keys(f.evidence).length, `${f.checkId}: ${f.title}`).toBeGreaterThan(0)
      if (f.status === 'fail' || f.status === 'warn') expect(f.remediation, `${f.checkId}: ${f.title}`).toMatch(/kubectl|promtool|curl|redis-cli|agentctl|pricing:|node --cpu-prof|Send simple turns|Keep the system prompt|top |ps |du /)
    }
    const ids = new Set(findings.map((f) => f.checkId))
    expect([...ids].sort()).toEqual(diagnoseCatalogue.map((c) => c.id).sort())
    const statusOf = (title: string) => findings.find((f) => f.title === title)?.status
    expect(statusOf('Pod ai-agent-7d9f8b6c5-fghij')).toBe('fail')
    expect(statusOf('CIS 5.3.2 namespace ai-agents')).toBe('warn') // severity warn: never gates on its own
    expect(statusOf('Circuit breaker claude-sonnet-4')).toBe('fail')
  })

  it('without Kubernetes configured the k8s checks skip and process/host checks still answer', async () => {
    const saved = process.env.KUBECONFIG
    delete process.env.KUBECONFIG
    try {
      const config = ConfigSchema.parse({ target: { url: agent.url } })
      const findings = await runChecks(diagnoseCatalogue, { mode: 'diagnose', config, timeoutMs: 3000, only: ['resources', 'secrets'], options: { windowMs: 200 } })
      for (const f of findings.filter((f) => /^(k8s-|secret-|network-|service-)/.test(f.checkId))) {
        expect(f.status).toBe('skip')
        expect(f.message).toContain('Kubernetes not configured')
      }
      expect(findings.find((f) => f.title === 'Agent process memory')?.status).toBe('pass')
      expect(findings.find((f) => f.title === 'Host disk')).toBeDefined()
    } finally {
      if (saved !== undefined) process.env.KUBECONFIG = saved
    }
  })
})
