import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { check } from './check.js'
import { type FakeKube, startFakeKube } from '../../test/support/fake-kube.js'
import { byTitle, kubeContext, type Out } from '../../test/support/kube-context.js'
import { insightContext } from '../../test/support/insight-context.js'

let kube: FakeKube
beforeAll(async () => (kube = await startFakeKube()))
afterAll(async () => kube.close())

describe('k8s-pods', () => {
  it('fails the OOMKilled pod with a computed memory limit, warns on restarts, passes the healthy one', async () => {
    const out = byTitle(await check.run(kubeContext(kube)))
    expect(Object.keys(out)).toEqual(['Pod ai-agent-7d9f8b6c5-abcde', 'Pod ai-agent-7d9f8b6c5-fghij', 'Pod ai-agent-7d9f8b6c5-klmno'])
    const oom = out['Pod ai-agent-7d9f8b6c5-fghij']!
    expect(oom.status).toBe('fail')
    expect(oom.message).toMatch(/OOMKilled 2m ago \(memory limit 512Mi\)/)
    expect(oom.remediation).toContain('kubectl -n ai-agents set resources deploy/ai-agent -c agent --limits=memory=768Mi')
    expect(oom.evidence).toMatchObject({ restarts: 4, ready: false, lastTermination: { reason: 'OOMKilled', exitCode: 137 } })
    expect(out['Pod ai-agent-7d9f8b6c5-klmno']!.status).toBe('warn')
    expect(out['Pod ai-agent-7d9f8b6c5-abcde']!.status).toBe('pass')
    // The selector went to the API server, so redis-0 never came back.
    expect(kube.requests.some((r) => r.includes('labelSelector=app%3Dai-agent'))).toBe(true)
  })

  it('fails when the selector matches no pod, with the command to see labels', async () => {
    const out = (await check.run(kubeContext(kube, { selector: 'app=nope' }))) as Out
    expect(out.status).toBe('fail')
    expect(out.remediation).toContain('kubectl -n ai-agents get pods --show-labels')
  })

  it('turns a 403 into the missing RBAC verb with kubectl auth can-i', async () => {
    const denied = await startFakeKube({ forbidden: ['pods'] })
    try {
      const out = (await check.run(kubeContext(denied))) as Out
      expect(out.status).toBe('error')
      expect(out.message).toContain('RBAC forbids `list pods` in namespace ai-agents')
      expect(out.remediation).toContain('kubectl auth can-i list pods -n ai-agents')
    } finally {
      await denied.close()
    }
  })

  it('skips with how to configure when no cluster is configured', async () => {
    const saved = process.env.KUBECONFIG
    delete process.env.KUBECONFIG
    try {
      const out = (await check.run(insightContext({}))) as Out
      expect(out.status).toBe('skip')
      expect(JSON.stringify(out.evidence)).toContain('kubernetes:')
    } finally {
      if (saved !== undefined) process.env.KUBECONFIG = saved
    }
  })

  it('a hanging API server ends at the deadline as an error, not a hang', async () => {
    const slow = await startFakeKube({ hang: ['pods'] })
    try {
      const started = Date.now()
      const out = (await check.run(kubeContext(slow, {}, {}, 800))) as Out
      expect(Date.now() - started).toBeLessThan(2000)
      expect(out.status).toBe('error')
      expect(out.message).toContain('did not answer within')
    } finally {
      await slow.close()
    }
  })

  it('a 401 says the credentials were rejected; an unknown context lists the known ones', async () => {
    const locked = await startFakeKube({ unauthorized: true })
    try {
      const out = (await check.run(kubeContext(locked))) as Out
      expect(out.status).toBe('error')
      expect(out.message).toContain('rejected agentctl\'s credentials (401)')
      expect(out.remediation).toContain('kubectl auth whoami')
    } finally {
      await locked.close()
    }
    const wrong = (await check.run(kubeContext(kube, { context: 'prod' }))) as Out
    expect(wrong.status).toBe('error')
    expect(wrong.message).toContain('context "prod" not found')
    expect(wrong.remediation).toContain('kubectl config get-contexts')
  })
})
