import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { check } from './check.js'
import { type FakeKube, startFakeKube } from '../../test/support/fake-kube.js'
import { kubeContext, type Out } from '../../test/support/kube-context.js'

let kube: FakeKube
beforeAll(async () => (kube = await startFakeKube()))
afterAll(async () => kube.close())

describe('network-policy (CIS 5.3.2)', () => {
  it('fails a namespace without NetworkPolicy and hands over a policy to apply', async () => {
    const out = (await check.run(kubeContext(kube))) as Out
    expect(out.status).toBe('fail')
    expect(out.title).toBe('CIS 5.3.2 namespace ai-agents')
    expect(out.evidence).toMatchObject({ cis: '5.3.2', networkPolicies: 0 })
    expect(out.remediation).toContain("kubectl -n ai-agents apply -f - <<'EOF'")
    expect(out.remediation).toContain('app: ai-agent')
  })

  it('passes a namespace whose default-deny policy selects every pod', async () => {
    const out = (await check.run(kubeContext(kube, { namespace: 'secured', selector: undefined }))) as Out
    expect(out.status).toBe('pass')
    expect(out.evidence).toMatchObject({ networkPolicies: ['default-deny'] })
  })

  it('reports missing RBAC on networkpolicies precisely', async () => {
    const denied = await startFakeKube({ forbidden: ['networkpolicies'] })
    try {
      const out = (await check.run(kubeContext(denied))) as Out
      expect(out.status).toBe('error')
      expect(out.remediation).toContain('kubectl auth can-i list networkpolicies.networking.k8s.io -n ai-agents')
    } finally {
      await denied.close()
    }
  })
})
