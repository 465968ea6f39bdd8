import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { check } from './check.js'
import { type FakeKube, startFakeKube } from '../../test/support/fake-kube.js'
import { byTitle, kubeContext } from '../../test/support/kube-context.js'

let kube: FakeKube
beforeAll(async () => (kube = await startFakeKube()))
afterAll(async () => kube.close())

describe('secret-age', () => {
  it('judges each secret by its rotation annotation or creation time, with the pods that use it', async () => {
    const out = byTitle(await check.run(kubeContext(kube)))
    const llm = out['Secret llm-credentials']!
    expect(llm.status).toBe('fail') // 200 days, never rotated
    expect(llm.evidence).toMatchObject({ ageDays: 200, basis: 'creationTimestamp (never rotated since)', usedBy: ['ai-agent-7d9f8b6c5-abcde', 'ai-agent-7d9f8b6c5-fghij'], via: ['env'] })
    expect(llm.remediation).toContain('kubectl -n ai-agents annotate secret llm-credentials agentctl.dev/rotated-at=$(date -u +%FT%TZ) --overwrite')
    expect(llm.remediation).toContain('kubectl -n ai-agents rollout restart deploy/ai-agent')
    // Created 400 days ago but rotated 30 days ago: the annotation wins.
    expect(out['Secret db-credentials']!.status).toBe('pass')
    expect(out['Secret db-credentials']!.evidence).toMatchObject({ ageDays: 30, basis: 'annotation agentctl.dev/rotated-at' })
    expect(out['Secret tls-cert']!.status).toBe('warn') // 100 days
    expect(out['Secret unused-old']!.status).toBe('warn')
    expect(out['Secret unused-old']!.remediation).toContain('kubectl -n ai-agents delete secret unused-old')
    // redis-auth is used by redis-0, outside the agent selector: secret usage covers every pod.
    expect(out['Secret redis-auth']!.evidence).toMatchObject({ usedBy: ['redis-0'] })
    // Service-account tokens and Helm release records are not judged, and the evidence says so.
    expect(out['Secret ai-agent-token-x7k2p']).toBeUndefined()
    const exempt = out['Secrets exempt from age findings']!
    expect(exempt.status).toBe('skip')
    expect(exempt.message).toContain('sh.helm.release.v1.ai-agent.v3 (Helm release record, not a credential)')
    expect(exempt.message).toContain('ai-agent-token-x7k2p (service-account token managed by Kubernetes)')
  })

  it('honours configured thresholds', async () => {
    const out = byTitle(await check.run(kubeContext(kube, {}, { secrets: { warnDays: 10, criticalDays: 25 } })))
    expect(out['Secret redis-auth']!.status).toBe('warn') // 20 days
    expect(out['Secret db-credentials']!.status).toBe('fail') // 30 days
  })
})
