import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { check } from './check.js'
import { type FakeKube, startFakeKube } from '../../test/support/fake-kube.js'
import { byTitle, kubeContext } from '../../test/support/kube-context.js'

let kube: FakeKube
beforeAll(async () => (kube = await startFakeKube()))
afterAll(async () => kube.close())

describe('secret-hygiene (CIS 5.4.1)', () => {
  it('flags each workload passing secrets as env vars, once per workload', async () => {
    const out = byTitle(await check.run(kubeContext(kube)))
    expect(Object.keys(out)).toEqual(['CIS 5.4.1 deploy/ai-agent', 'CIS 5.4.1 pod/redis-0'])
    const agent = out['CIS 5.4.1 deploy/ai-agent']!
    expect(agent.status).toBe('fail')
    expect(agent.message).toContain('LLM_API_KEY <- llm-credentials')
    expect(agent.evidence).toMatchObject({ cis: '5.4.1', pods: ['ai-agent-7d9f8b6c5-abcde', 'ai-agent-7d9f8b6c5-fghij', 'ai-agent-7d9f8b6c5-klmno'] })
    expect(agent.remediation).toContain('kubectl -n ai-agents set volume deploy/ai-agent --add --name=llm-credentials --type=secret')
    expect(out['CIS 5.4.1 pod/redis-0']!.message).toContain('REDIS_PASSWORD <- redis-auth')
  })

  it('passes a namespace whose pods mount secrets as files', async () => {
    const clean = await startFakeKube({
      items: { pods: [{ metadata: { name: 'web-1', namespace: 'ai-agents', labels: { app: 'ai-agent' } }, spec: { containers: [{ name: 'web', image: 'x' }], volumes: [{ name: 's', secret: { secretName: 'tls' } }] } }] },
    })
    try {
      const out = byTitle(await check.run(kubeContext(clean)))
      expect(out['CIS 5.4.1 pod/web-1']!.status).toBe('pass')
    } finally {
      await clean.close()
    }
  })
})
