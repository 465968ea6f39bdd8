/** A diagnose CheckContext pointed at a fake Kubernetes API server. */
import type { CheckContext } from '../../src/check.js'
import type { AgentctlConfigInput } from '../../src/config/schema.js'
import type { FakeKube } from './fake-kube.js'
import { insightContext } from './insight-context.js'

export function kubeContext(kube: FakeKube, kubernetes: Partial<NonNullable<AgentctlConfigInput['kubernetes']>> = {}, rest: AgentctlConfigInput = {}, timeoutMs = 3000): CheckContext {
  return insightContext({ ...rest, kubernetes: { kubeconfig: kube.kubeconfig, namespace: 'ai-agents', selector: 'app=ai-agent', ...kubernetes } }, {}, timeoutMs)
}

export type Out = { status: string; title?: string; message: string; evidence?: Record<string, unknown>; remediation?: string }

export function byTitle(outcomes: unknown): Record<string, Out> {
  const list = (Array.isArray(outcomes) ? outcomes : [outcomes]) as Out[]
  return Object.fromEntries(list.map((o) => [o.title ?? '(untitled)', o]))
}
