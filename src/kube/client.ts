import type { V2HorizontalPodAutoscaler as _Hpa, KubeConfig, V1NetworkPolicy, V1Pod, V1Secret, V1ServiceAccount } from '@kubernetes/client-node'
import type { CheckContext, CheckOutcome } from '../check.js'
import { KubeError, kubeFailureOutcome, toKubeError } from './errors.js'
import { type KubeTarget, resolveKube } from './resolve.js'

export type Pod = V1Pod
export type Secret = V1Secret
export type NetworkPolicy = V1NetworkPolicy
export type ServiceAccount = V1ServiceAccount
export type Hpa = _Hpa

/** metrics.k8s.io/v1beta1 PodMetrics (what `kubectl top pods` reads). */
export interface PodMetrics {
  metadata: { name: string; namespace?: string }
  timestamp?: string
  window?: string
  containers: Array<{ name: string; usage: { cpu: string; memory: string } }>
}

/** Read-only access to the namespace agentctl diagnoses; every call bounded by a deadline. */
export interface KubeReader {
  target: KubeTarget
  /** Where the API server is (for evidence). */
  server: string
  /** Pods matching the configured selector (all pods when none is configured). */
  pods(): Promise<Pod[]>
  /** Every pod in the namespace: secret usage and token mounts concern all workloads. */
  allPods(): Promise<Pod[]>
  secrets(): Promise<Secret[]>
  networkPolicies(): Promise<NetworkPolicy[]>
  serviceAccounts(): Promise<ServiceAccount[]>
  hpas(): Promise<Hpa[]>
  /** undefined when the metrics API is not installed (404). */
  podMetrics(): Promise<PodMetrics[] | undefined>
}

const PAGE = 500
const MAX_PAGES = 20

/**
 * The reader for this run, or an outcome saying why there is none (skip: not configured; error:
 * the kubeconfig is broken). Lists are fetched once per run and shared by every Kubernetes check.
 */
export async function kubeReader(ctx: CheckContext): Promise<KubeReader | CheckOutcome> {
  const resolution = resolveKube(ctx.config)
  if (!resolution.configured) return { status: 'skip', message: `Kubernetes not configured: ${resolution.reason}`, evidence: { howToConfigure: resolution.howTo } }
  const key = 'kube:reader'
  let pending = ctx.shared.get(key) as Promise<KubeReader> | undefined
  if (!pending) {
    pending = createReader(resolution.target, ctx)
    pending.catch(() => {})
    ctx.shared.set(key, pending)
  }
  try {
    return await pending
  } catch (error) {
    return kubeFailureOutcome(error, resolution.target)
  }
}

async function createReader(target: KubeTarget, ctx: CheckContext): Promise<KubeReader> {
  // Lazy: the client is large and `agentctl --help` / validate must not pay for loading it.
  const k8s = await import('@kubernetes/client-node')
  const kc = new k8s.KubeConfig()
  try {
    if (target.inCluster) kc.loadFromCluster()
    else kc.loadFromFile(target.kubeconfig!)
  } catch (error) {
    throw new KubeError(`cannot load kubeconfig ${target.kubeconfig}: ${(error as Error).message}`, 'get', 'pods', undefined, 'config')
  }
  if (target.context) {
    if (!kc.getContextObject(target.context)) throw new KubeError(`context "${target.context}" not found in ${target.kubeconfig} (have: ${kc.getContexts().map((c) => c.name).join(', ') || 'none'})`, 'get', 'pods', undefined, 'config')
    kc.setCurrentContext(target.context)
  }
  if (!target.namespaceFromConfig) {
    const contextNs = kc.getContextObject(kc.getCurrentContext())?.namespace
    if (contextNs) target = { ...target, namespace: contextNs }
  }
  const server = kc.getCurrentCluster()?.server ?? 'unknown'
  if (!kc.getCurrentCluster()) throw new KubeError(`the kubeconfig's current context names no cluster`, 'get', 'pods', undefined, 'config')
  const core = kc.makeApiClient(k8s.CoreV1Api)
  const net = kc.makeApiClient(k8s.NetworkingV1Api)
  const autoscaling = kc.makeApiClient(k8s.AutoscalingV2Api)
  const custom = kc.makeApiClient(k8s.CustomObjectsApi)
  const ns = target.namespace
  const timeoutMs = Math.max(300, ctx.timeoutMs - 300)

  /** One bounded call: a fresh deadline per request, set on the request through middleware. */
  const call = async <T>(verb: string, resource: string, fn: (options: object) => Promise<T>): Promise<T> => {
    const signal = AbortSignal.timeout(timeoutMs)
    // The object-parameter API hands options straight to the Observable layer, so the middleware
    // returns the library's own (promise-backed) Observable.
    const options = {
      middleware: [
        {
          pre: (rc: { setSignal(s: AbortSignal): void }) => (rc.setSignal(signal), new k8s.Observable(Promise.resolve(rc))),
          post: (r: unknown) => new k8s.Observable(Promise.resolve(r)),
        },
      ],
      middlewareMergeStrategy: 'append',
    }
    try {
      return await fn(options)
    } catch (error) {
      throw toKubeError(error, verb, resource, timeoutMs, signal)
    }
  }
  const paged = async <T>(resource: string, list: (cont: string | undefined, options: object) => Promise<{ items: T[]; metadata?: { _continue?: string } }>): Promise<T[]> => {
    const items: T[] = []
    let cont: string | undefined
    for (let page = 0; page < MAX_PAGES; page++) {
      const result = await call('list', resource, (options) => list(cont, options))
      items.push(...result.items)
      cont = result.metadata?._continue
      if (!cont) break
    }
    return items
  }
  const once = <T>(fn: () => Promise<T>): (() => Promise<T>) => {
    let p: Promise<T> | undefined
    return () => (p ??= fn())
  }
  const selector = target.selector
  const reader: KubeReader = {
    target,
    server,
    pods: once(() => paged('pods', (c, o) => core.listNamespacedPod({ namespace: ns, labelSelector: selector, limit: PAGE, _continue: c }, o as never))),
    allPods: selector ? once(() => paged('pods', (c, o) => core.listNamespacedPod({ namespace: ns, limit: PAGE, _continue: c }, o as never))) : undefined!,
    secrets: once(() => paged('secrets', (c, o) => core.listNamespacedSecret({ namespace: ns, limit: PAGE, _continue: c }, o as never))),
    serviceAccounts: once(() => paged('serviceaccounts', (c, o) => core.listNamespacedServiceAccount({ namespace: ns, limit: PAGE, _continue: c }, o as never))),
    networkPolicies: once(() => paged('networkpolicies.networking.k8s.io', (c, o) => net.listNamespacedNetworkPolicy({ namespace: ns, limit: PAGE, _continue: c }, o as never))),
    hpas: once(() => paged('horizontalpodautoscalers.autoscaling', (c, o) => autoscaling.listNamespacedHorizontalPodAutoscaler({ namespace: ns, limit: PAGE, _continue: c }, o as never))),
    podMetrics: once(async () => {
      try {
        const list = (await call('list', 'pods.metrics.k8s.io', (o) =>
          custom.listNamespacedCustomObject({ group: 'metrics.k8s.io', version: 'v1beta1', namespace: ns, plural: 'pods', labelSelector: selector }, o as never),
        )) as { items?: PodMetrics[] }
        return list.items ?? []
      } catch (error) {
        // No metrics-server: the API group is simply not served. Not an error of the workload.
        if (error instanceof KubeError && (error.status === 404 || error.status === 503)) return undefined
        throw error
      }
    }),
  }
  if (!selector) reader.allPods = reader.pods
  return reader
}

export type { KubeConfig }

type Outcomes = CheckOutcome | CheckOutcome[]

/**
 * The frame of every Kubernetes check (like runManifestRule for manifests): the run's reader, or
 * the skip/error saying why there is none; the check's reads, or the finding naming the missing
 * permission; then the rule.
 */
export async function runKubeRule<T>(ctx: CheckContext, read: (reader: KubeReader) => Promise<T>, rule: (data: T, reader: KubeReader) => Outcomes | Promise<Outcomes>): Promise<Outcomes> {
  const reader = await kubeReader(ctx)
  if (!('pods' in reader)) return reader
  let data: T
  try {
    data = await read(reader)
  } catch (error) {
    return kubeFailureOutcome(error, reader.target)
  }
  return rule(data, reader)
}
