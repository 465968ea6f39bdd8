import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { check } from './check.js'
import { type FakeKube, startFakeKube } from '../../test/support/fake-kube.js'
import { byTitle, kubeContext } from '../../test/support/kube-context.js'

let kube: FakeKube
beforeAll(async () => (kube = await startFakeKube()))
afterAll(async () => kube.close())

describe('k8s-pod-resources', () => {
  it('fails the pod near its memory limit with a 1.5x-usage limit, warns on CPU throttling and a missing limit', async () => {
    const out = byTitle(await check.run(kubeContext(kube)))
    const near = out['Resources of ai-agent-7d9f8b6c5-fghij']!
    expect(near.status).toBe('fail')
    expect(near.message).toContain('uses 490Mi of its 512Mi memory limit (96%)')
    expect(near.message).toContain('93% of its 1 CPU limit')
    expect(near.remediation).toContain('set resources deploy/ai-agent -c agent --limits=memory=735Mi')
    const noLimit = out['Resources of ai-agent-7d9f8b6c5-klmno']!
    expect(noLimit.status).toBe('warn')
    expect(noLimit.message).toContain('no memory limit')
    const ok = out['Resources of ai-agent-7d9f8b6c5-abcde']!
    expect(ok.status).toBe('pass')
    expect(ok.message).toContain('memory 200Mi of 512Mi (39%)')
  })

  it('without metrics-server it says so and still checks limits', async () => {
    const noMetrics = await startFakeKube({ missing: ['podmetrics'] })
    try {
      const out = byTitle(await check.run(kubeContext(noMetrics)))
      expect(out['Metrics API']!.status).toBe('warn')
      expect(out['Metrics API']!.remediation).toContain('metrics-server')
      expect(out['Resources of ai-agent-7d9f8b6c5-klmno']!.status).toBe('warn')
      expect(out['Resources of ai-agent-7d9f8b6c5-fghij']!.status).toBe('pass')
    } finally {
      await noMetrics.close()
    }
  })
})
