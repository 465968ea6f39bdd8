import type { Pod, Secret } from './client.js'
import { workloadOf } from './workload.js'

export const ROTATION_ANNOTATION = 'agentctl.dev/rotated-at'

/**
 * Secret types whose age says nothing about hygiene: legacy service-account tokens are managed by
 * the control plane, and Helm stores release state (not credentials) in `helm.sh/release.v1`.
 */
export const AGE_EXEMPT_TYPES: Record<string, string> = {
  'kubernetes.io/service-account-token': 'service-account token managed by Kubernetes',
  'helm.sh/release.v1': 'Helm release record, not a credential',
}

export type SecretUse = 'env' | 'envFrom' | 'volume' | 'imagePullSecret'

export interface SecretUsage {
  pods: Set<string>
  workloads: Set<string>
  via: Set<SecretUse>
  /** env var name -> secret key, for secretKeyRef uses. */
  envVars: Set<string>
}

/** Which pods use which secret, and how: env valueFrom.secretKeyRef, envFrom.secretRef, volumes (incl. projected), image pull. */
export function secretUsage(pods: readonly Pod[]): Map<string, SecretUsage> {
  const usage = new Map<string, SecretUsage>()
  const note = (secret: string | undefined, pod: Pod, via: SecretUse, envVar?: string) => {
    if (!secret) return
    const u = usage.get(secret) ?? { pods: new Set(), workloads: new Set(), via: new Set(), envVars: new Set() }
    u.pods.add(pod.metadata?.name ?? '?')
    u.workloads.add(workloadOf(pod).ref)
    u.via.add(via)
    if (envVar) u.envVars.add(envVar)
    usage.set(secret, u)
  }
  for (const pod of pods) {
    const spec = pod.spec
    for (const c of [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])]) {
      for (const e of c.env ?? []) note(e.valueFrom?.secretKeyRef?.name, pod, 'env', e.name)
      for (const e of c.envFrom ?? []) note(e.secretRef?.name, pod, 'envFrom')
    }
    for (const v of spec?.volumes ?? []) {
      note(v.secret?.secretName, pod, 'volume')
      for (const source of v.projected?.sources ?? []) note(source.secret?.name, pod, 'volume')
    }
    for (const ref of spec?.imagePullSecrets ?? []) note(ref.name, pod, 'imagePullSecret')
  }
  return usage
}

export interface RotationTime {
  at: Date
  /** How we know: the annotation name, `managedFields (last data write)` or `creationTimestamp`. */
  basis: string
}

/**
 * When the secret's value last changed, best evidence first:
 * 1. `agentctl.dev/rotated-at`, or any `<prefix>/rotated-at` / `last-rotated` / `rotation-time`
 *    annotation (the convention of rotation jobs and operators that record it);
 * 2. the newest `metadata.managedFields` entry that wrote `data`/`stringData` — Kubernetes records
 *    it on every apply/update, so a rotation by kubectl apply, External Secrets or cert-manager shows;
 * 3. `creationTimestamp`.
 */
export function rotationTime(secret: Secret): RotationTime | undefined {
  const annotations = secret.metadata?.annotations ?? {}
  const keys = [ROTATION_ANNOTATION, ...Object.keys(annotations).filter((k) => k !== ROTATION_ANNOTATION && /(^|\/)(rotated-at|last-rotated|rotation-time|rotated)$/.test(k))]
  for (const key of keys) {
    const value = annotations[key]
    const t = value ? Date.parse(value) : NaN
    if (!Number.isNaN(t)) return { at: new Date(t), basis: `annotation ${key}` }
  }
  const writes = (secret.metadata?.managedFields ?? [])
    .filter((f) => f.time && JSON.stringify(f.fieldsV1 ?? {}).match(/"f:(data|stringData)"/))
    .map((f) => new Date(f.time as unknown as string))
    .filter((d) => !Number.isNaN(d.getTime()))
    .sort((a, b) => b.getTime() - a.getTime())
  const created = secret.metadata?.creationTimestamp ? new Date(secret.metadata.creationTimestamp as unknown as string) : undefined
  if (writes[0] && (!created || writes[0].getTime() > created.getTime() + 60_000)) return { at: writes[0], basis: 'managedFields (last write of data)' }
  return created ? { at: created, basis: 'creationTimestamp (never rotated since)' } : undefined
}
