import type { Check, CheckOutcome } from '../../src/check.js'
import { type NetworkPolicy, type Pod, runKubeRule } from '../../src/kube/client.js'

export const check: Check = {
  id: 'network-policy',
  category: 'secrets',
  title: 'CIS 5.3.2: the namespace has NetworkPolicies',
  description: 'The agent namespace defines NetworkPolicies and one selects the agent pods — CIS Kubernetes Benchmark 5.3.2',
  appliesTo: ['diagnose'],
  severity: 'warn',
  async run(ctx) {
    return runKubeRule(ctx, (reader) => Promise.all([reader.networkPolicies(), reader.pods()]), ([policies, pods]: [NetworkPolicy[], Pod[]], reader) => {
      const ns = reader.target.namespace
      const title = `CIS 5.3.2 namespace ${ns}`
      const labels = pods[0]?.metadata?.labels ?? parseSelectorLabels(reader.target.selector)
      if (policies.length === 0) {
        return {
          title, status: 'fail',
          message: `namespace ${ns} has no NetworkPolicy: every pod accepts traffic from anywhere in the cluster and may call anything, so one compromised pod reaches the agent, its database and its LLM credentials (CIS 5.3.2)`,
          evidence: { cis: '5.3.2', namespace: ns, networkPolicies: 0 },
          remediation: `Start from default-deny and allow what the agent needs (adjust ports to yours):\nkubectl -n ${ns} apply -f - <<'EOF'\n${policyYaml(ns, labels)}EOF`,
        }
      }
      const selecting = policies.filter((p) => selects(p, labels))
      const evidence = { cis: '5.3.2', namespace: ns, networkPolicies: policies.map((p) => p.metadata?.name), selectingAgentPods: selecting.map((p) => p.metadata?.name) }
      if (pods.length && selecting.length === 0) {
        return { title, status: 'warn', evidence, message: `namespace ${ns} has ${policies.length} NetworkPolicy(ies) but none selects the agent pods (${fmt(labels)})`, remediation: `kubectl -n ${ns} apply -f - <<'EOF'\n${policyYaml(ns, labels)}EOF` } satisfies CheckOutcome
      }
      return { title, status: 'pass', evidence, message: `namespace ${ns} has ${policies.length} NetworkPolicy(ies)${selecting.length ? `, ${selecting.length} selecting the agent pods` : ''}` }
    })
  },
}

function selects(policy: NetworkPolicy, labels: Record<string, string>): boolean {
  const sel = policy.spec?.podSelector
  if (!sel) return true
  const matchLabels = Object.entries(sel.matchLabels ?? {}).every(([k, v]) => labels[k] === v)
  const exprs = (sel.matchExpressions ?? []).every((e) => {
    const has = e.key in labels
    if (e.operator === 'In') return has && (e.values ?? []).includes(labels[e.key]!)
    if (e.operator === 'NotIn') return !has || !(e.values ?? []).includes(labels[e.key]!)
    if (e.operator === 'Exists') return has
    if (e.operator === 'DoesNotExist') return !has
    return false
  })
  return matchLabels && exprs
}

function parseSelectorLabels(selector: string | undefined): Record<string, string> {
  return Object.fromEntries((selector ?? '').split(',').map((t) => t.split('=').map((s) => s.trim())).filter((kv) => kv.length === 2 && kv[0] && !kv[0].endsWith('!')) as Array<[string, string]>)
}

function fmt(labels: Record<string, string>): string {
  return Object.entries(labels).filter(([k]) => k !== 'pod-template-hash').map(([k, v]) => `${k}=${v}`).join(',') || 'no labels'
}

function policyYaml(ns: string, labels: Record<string, string>): string {
  const app = Object.entries(labels).filter(([k]) => k !== 'pod-template-hash').slice(0, 1)
  const match = app.length ? app.map(([k, v]) => `      ${k}: ${v}`).join('\n') : '      app: ai-agent'
  return `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: default-deny, namespace: ${ns} }
spec: { podSelector: {}, policyTypes: [Ingress, Egress] }
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: ai-agent, namespace: ${ns} }
spec:
  podSelector:
    matchLabels:
${match}
  policyTypes: [Ingress, Egress]
  ingress:
  - ports: [{ port: 8080 }]
  egress:
  - to: [{ namespaceSelector: {}, podSelector: { matchLabels: { k8s-app: kube-dns } } }]
    ports: [{ port: 53, protocol: UDP }, { port: 53, protocol: TCP }]
  - ports: [{ port: 443 }, { port: 5432 }, { port: 6379 }, { port: 4222 }]
`
}
