/**
 * What agentctl diagnose reads from the Kubernetes API, as RBAC rules: the one list behind
 * deploy/diagnose/rbac.yaml (a test holds the two equal) and behind the rule a 403 finding asks
 * for. Every read is a namespaced `list` (src/kube/client.ts); nothing is watched, fetched by name,
 * or written.
 */
export interface KubeRead {
  /** kubectl's resource.group spelling, as KubeError carries it. */
  resource: string
  verb: 'list'
  checks: string[]
}

export const KUBE_READS: readonly KubeRead[] = [
  { resource: 'pods', verb: 'list', checks: ['k8s-pods', 'k8s-pod-resources', 'k8s-hpa', 'network-policy', 'secret-age', 'secret-hygiene', 'service-account-tokens'] },
  { resource: 'serviceaccounts', verb: 'list', checks: ['service-account-tokens'] },
  // Read for metadata (creation time, annotations, managedFields) and type, never the values; RBAC
  // cannot grant less than the whole object, though (deploy/diagnose/README.md).
  { resource: 'secrets', verb: 'list', checks: ['secret-age'] },
  { resource: 'networkpolicies.networking.k8s.io', verb: 'list', checks: ['network-policy'] },
  { resource: 'horizontalpodautoscalers.autoscaling', verb: 'list', checks: ['k8s-hpa'] },
  { resource: 'pods.metrics.k8s.io', verb: 'list', checks: ['k8s-pod-resources'] },
]

/** `pods` -> core group; `networkpolicies.networking.k8s.io` -> that group and plural. */
export function splitResource(resource: string): { group: string; plural: string } {
  const dot = resource.indexOf('.')
  return dot < 0 ? { group: '', plural: resource } : { group: resource.slice(dot + 1), plural: resource.slice(0, dot) }
}

/** The Role rule that allows one read, as YAML to paste under `rules:`. */
export function ruleYaml(verb: string, resource: string): string {
  const { group, plural } = splitResource(resource)
  return [`- apiGroups: ["${group}"]`, `  resources: ["${plural}"]`, `  verbs: ["${verb}"]`].join('\n')
}
