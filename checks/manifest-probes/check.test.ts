import { describe, expect, it } from 'vitest'
import { lintManifests, statuses } from '../../test/validate/manifest-helpers.js'
import { manifestProbesCheck } from './check.js'

describe('manifest-probes', () => {
  it('passes distinct probes with a readiness timeout above the dependency timeout', async () => {
    const { findings } = await lintManifests(manifestProbesCheck, ['fixtures/manifests/pass/*.yaml'])
    expect(statuses(findings)).toEqual({ 'good-agent': 'pass' })
    expect(findings[0]!.evidence.agent).toMatchObject({ readinessTimeoutMs: 3000, dependencyTimeout: { ms: 1500 } })
  })

  it('fails each broken workload on its own rule, with a remediation snippet', async () => {
    const { findings, byWorkload } = await lintManifests(manifestProbesCheck, ['fixtures/manifests/fail/probes.yaml'])
    expect(statuses(findings)).toEqual({ 'no-liveness': 'fail', 'same-probes': 'fail', 'liveness-on-llm': 'fail', 'probe-shorter-than-dependency': 'fail' })
    expect(byWorkload['Deployment/no-liveness']!.message).toMatch(/no livenessProbe/)
    expect(byWorkload['Deployment/same-probes']!.message).toMatch(/probe the same thing \(GET \/ready :http\)/)
    expect(byWorkload['Deployment/liveness-on-llm']!.message).toMatch(/liveness probes \/health\/llm/)
    expect(byWorkload['Deployment/probe-shorter-than-dependency']!.message).toMatch(/readiness timeout 1000ms is not longer than the dependency timeout 2000ms \(DB_TIMEOUT_MS=2000/)
    expect(byWorkload['Deployment/probe-shorter-than-dependency']!.remediation).toMatch(/timeoutSeconds: 3/)
  })

  it('skips when no manifests are configured and fails patterns that match nothing', async () => {
    expect((await lintManifests(manifestProbesCheck, [])).findings[0]!.status).toBe('skip')
    const { findings } = await lintManifests(manifestProbesCheck, ['no/such/dir/*.yaml'])
    expect(findings[0]!.status).toBe('fail')
    expect(findings[0]!.message).toMatch(/matched no YAML file: no\/such\/dir/)
  })
})
