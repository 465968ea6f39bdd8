import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { check } from './check.js'
import { type FakeKube, startFakeKube } from '../../test/support/fake-kube.js'
import { byTitle, kubeContext, type Out } from '../../test/support/kube-context.js'

let kube: FakeKube
beforeAll(async () => (kube = await startFakeKube()))
afterAll(async () => kube.close())

describe('k8s-hpa', () => {
  it('warns when the agent HPA sits at max replicas, ignoring HPAs of other workloads', async () => {
    const out = byTitle(await check.run(kubeContext(kube)))
    expect(Object.keys(out)).toEqual(['HPA ai-agent'])
    const hpa = out['HPA ai-agent']!
    expect(hpa.status).toBe('warn')
    expect(hpa.evidence).toMatchObject({ currentReplicas: 3, desiredReplicas: 3, maxReplicas: 3, scalingLimited: 'TooManyReplicas' })
    expect(hpa.message).toContain('cpu 146% (target 70%)')
    expect(hpa.remediation).toContain(`kubectl -n ai-agents patch hpa ai-agent -p '{"spec":{"maxReplicas":6}}'`)
  })

  it('warns with a ready autoscale command when no HPA targets the agent', async () => {
    const none = await startFakeKube({ items: { horizontalpodautoscalers: [] } })
    try {
      const out = (await check.run(kubeContext(none))) as Out
      expect(out.status).toBe('warn')
      expect(out.remediation).toBe('kubectl -n ai-agents autoscale deploy/ai-agent --min=2 --max=10 --cpu-percent=70')
    } finally {
      await none.close()
    }
  })
})
