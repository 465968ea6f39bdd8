import type { Pod } from './client.js'

export interface Workload {
  /** kubectl short kind: deploy, sts, ds, job, pod. */
  kind: string
  name: string
  /** As kubectl takes it: deploy/ai-agent. */
  ref: string
}

/**
 * The workload that owns a pod, so remediation can name it (`rollout restart deploy/ai-agent`).
 * A Deployment's ReplicaSet is named `<deployment>-<pod-template-hash>`.
 */
export function workloadOf(pod: Pod): Workload {
  const owner = pod.metadata?.ownerReferences?.find((o) => o.controller) ?? pod.metadata?.ownerReferences?.[0]
  const hash = pod.metadata?.labels?.['pod-template-hash']
  let kind = 'pod'
  let name = pod.metadata?.name ?? 'unknown'
  if (owner?.kind === 'ReplicaSet') {
    kind = 'deploy'
    name = hash && owner.name.endsWith(`-${hash}`) ? owner.name.slice(0, -hash.length - 1) : owner.name.replace(/-[a-z0-9]{5,10}$/, '')
  } else if (owner?.kind === 'StatefulSet') [kind, name] = ['sts', owner.name]
  else if (owner?.kind === 'DaemonSet') [kind, name] = ['ds', owner.name]
  else if (owner?.kind === 'Job') [kind, name] = ['job', owner.name]
  return { kind, name, ref: `${kind}/${name}` }
}

/** Days (fractional) since a timestamp the client returned as Date or string. */
export function ageDays(at: Date | string | undefined, now = Date.now()): number | undefined {
  if (!at) return undefined
  const t = at instanceof Date ? at.getTime() : Date.parse(at)
  return Number.isNaN(t) ? undefined : (now - t) / 86_400_000
}

export function ago(at: Date | string | undefined, now = Date.now()): string {
  const days = ageDays(at, now)
  if (days === undefined) return 'unknown'
  const mins = days * 1440
  if (mins < 60) return `${Math.max(0, Math.round(mins))}m ago`
  if (mins < 2880) return `${Math.round(mins / 60)}h ago`
  return `${Math.round(days)}d ago`
}

/** The command that restarts a workload's pods: rollout restart where kubectl supports it, delete for a bare pod or a job's pod. */
export function restartCommand(ns: string, ref: string): string {
  const [kind, name] = ref.split('/') as [string, string]
  return ['deploy', 'sts', 'ds'].includes(kind) ? `kubectl -n ${ns} rollout restart ${ref}` : `kubectl -n ${ns} delete ${kind === 'pod' ? 'pod' : kind} ${name} (recreate it from its manifest)`
}
