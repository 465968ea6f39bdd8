import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { check } from './check.js'
import { type FakeKube, startFakeKube } from '../../test/support/fake-kube.js'
import { byTitle, kubeContext } from '../../test/support/kube-context.js'

let kube: FakeKube
beforeAll(async () => (kube = await startFakeKube()))
afterAll(async () => kube.close())

describe('service-account-tokens (CIS 5.1.6)', () => {
  it('groups token-mounting pods by service account, honouring the pod-level opt-out', async () => {
    const out = byTitle(await check.run(kubeContext(kube)))
    const agent = out['CIS 5.1.6 serviceaccount ai-agent']!
    expect(agent.status).toBe('fail')
    // klmno sets automountServiceAccountToken: false on the pod.
    expect(agent.evidence).toMatchObject({ podsWithToken: ['ai-agent-7d9f8b6c5-abcde', 'ai-agent-7d9f8b6c5-fghij'], podsWithoutToken: ['ai-agent-7d9f8b6c5-klmno'] })
    expect(agent.remediation).toContain(`kubectl -n ai-agents patch serviceaccount ai-agent -p '{"automountServiceAccountToken": false}'`)
    expect(out['CIS 5.1.6 serviceaccount default']!.message).toContain('CIS 5.1.5')
  })

  it('passes when the service account opts out', async () => {
    const out = byTitle(await check.run(kubeContext(kube, { namespace: 'secured', selector: undefined })))
    expect(Object.values(out).every((o) => o.status !== 'fail')).toBe(true)
  })
})
