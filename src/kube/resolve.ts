import { existsSync, readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import type { AgentctlConfig } from '../config/schema.js'

/** Where agentctl finds the cluster: a kubeconfig file (+ context) or the in-cluster service account. */
export interface KubeTarget {
  kubeconfig?: string
  context?: string
  inCluster: boolean
  namespace: string
  selector?: string
  /** True when the namespace came from config rather than the kubeconfig context. */
  namespaceFromConfig: boolean
}

export type KubeResolution = { configured: true; target: KubeTarget } | { configured: false; reason: string; howTo: string }

const SA_NAMESPACE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace'

export const HOW_TO_CONFIGURE =
  'add `kubernetes: { namespace: ai-agents, selector: app=ai-agent }` (optionally `kubeconfig:` and `context:`) to agentctl.yaml, or export KUBECONFIG=~/.kube/config'

/**
 * Kubernetes is used when config has `kubernetes:`, or $KUBECONFIG is set, or agentctl runs inside
 * a pod. A kubeconfig in ~/.kube/config alone is not enough: diagnosing "whatever cluster happens to
 * be current" by accident would be worse than saying how to configure it.
 */
export function resolveKube(config: Pick<AgentctlConfig, 'kubernetes'>, env: NodeJS.ProcessEnv = process.env): KubeResolution {
  const k = config.kubernetes
  const inClusterAvailable = Boolean(env.KUBERNETES_SERVICE_HOST && env.KUBERNETES_SERVICE_PORT)
  const envKubeconfig = env.KUBECONFIG?.split(':').find((p) => p.trim())
  if (!k && !envKubeconfig && !inClusterAvailable) return { configured: false, reason: 'no cluster configured (no `kubernetes:` in config, no $KUBECONFIG, not running in a pod)', howTo: HOW_TO_CONFIGURE }
  const defaultFile = join(homedir(), '.kube', 'config')
  const kubeconfig = k?.kubeconfig ?? envKubeconfig ?? (k && existsSync(defaultFile) ? defaultFile : undefined)
  if (!kubeconfig && !inClusterAvailable) return { configured: false, reason: '`kubernetes:` is set but no kubeconfig was found ($KUBECONFIG unset, ~/.kube/config missing) and agentctl is not running in a pod', howTo: HOW_TO_CONFIGURE }
  const namespace = k?.namespace ?? (kubeconfig ? 'default' : readSaNamespace())
  return { configured: true, target: { kubeconfig, context: k?.context, inCluster: !kubeconfig, namespace, selector: k?.selector, namespaceFromConfig: Boolean(k) } }
}

function readSaNamespace(): string {
  try {
    return readFileSync(SA_NAMESPACE, 'utf8').trim() || 'default'
  } catch {
    return 'default'
  }
}
