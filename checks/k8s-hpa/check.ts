import type { Check, CheckOutcome } from '../../src/check.js'
import { type Hpa, type Pod, runKubeRule } from '../../src/kube/client.js'
import { type Workload, workloadOf } from '../../src/kube/workload.js'

const KIND_SHORT: Record<string, string> = { Deployment: 'deploy', StatefulSet: 'sts', ReplicaSet: 'rs' }

export const check: Check = {
  id: 'k8s-hpa',
  category: 'resources',
  title: 'Horizontal pod autoscaler headroom',
  description: 'autoscaling/v2 HPAs of the agent workload: current vs desired vs max replicas (at max warns), and whether scaling works',
  appliesTo: ['diagnose'],
  severity: 'fail',
  async run(ctx) {
    return runKubeRule(ctx, (reader) => Promise.all([reader.hpas(), reader.pods()]), ([hpas, pods]: [Hpa[], Pod[]], reader) => {
      const ns = reader.target.namespace
      // The agent's workloads, from its pods' owners; with no selector every HPA in the namespace counts.
      const workloads = new Map<string, Workload>(pods.map((p) => workloadOf(p)).map((w) => [w.ref, w]))
      const mine = reader.target.selector ? hpas.filter((h) => workloads.has(refOf(h))) : hpas
      if (mine.length === 0) {
        const target = [...workloads.values()].find((w) => w.kind === 'deploy' || w.kind === 'sts')
        return {
          status: 'warn',
          message: `no HorizontalPodAutoscaler targets ${target ? target.ref : 'the agent workload'} in ${ns}: a traffic spike has nowhere to go`,
          evidence: { namespace: ns, workloads: [...workloads.keys()], hpasInNamespace: hpas.map((h) => `${h.metadata?.name} -> ${refOf(h)}`) },
          remediation: target ? `kubectl -n ${ns} autoscale ${target.ref} --min=2 --max=10 --cpu-percent=70` : `kubectl -n ${ns} get hpa`,
        }
      }
      return mine.map((h) => hpaOutcome(h, ns))
    })
  },
}

function refOf(h: Hpa): string {
  const t = h.spec?.scaleTargetRef
  return `${KIND_SHORT[t?.kind ?? ''] ?? t?.kind?.toLowerCase()}/${t?.name}`
}

function hpaOutcome(h: Hpa, ns: string): CheckOutcome {
  const name = h.metadata?.name ?? 'unknown'
  const current = h.status?.currentReplicas ?? 0
  const desired = h.status?.desiredReplicas ?? 0
  const min = h.spec?.minReplicas ?? 1
  const max = h.spec?.maxReplicas ?? 0
  const condition = (type: string) => h.status?.conditions?.find((c) => c.type === type)
  const active = condition('ScalingActive')
  const limited = condition('ScalingLimited')
  const metrics = (h.status?.currentMetrics ?? []).map((m) => {
    const r = m.resource ?? m.containerResource
    const targetUtil = h.spec?.metrics?.find((s) => s.resource?.name === r?.name)?.resource?.target?.averageUtilization
    return r ? `${r.name} ${r.current?.averageUtilization ?? r.current?.averageValue ?? '?'}${r.current?.averageUtilization !== undefined ? '%' : ''}${targetUtil ? ` (target ${targetUtil}%)` : ''}` : m.type
  })
  const evidence = { hpa: name, namespace: ns, target: refOf(h), currentReplicas: current, desiredReplicas: desired, minReplicas: min, maxReplicas: max, metrics, ...(limited?.status === 'True' ? { scalingLimited: limited.reason } : {}) }
  const title = `HPA ${name}`
  const summary = `${refOf(h)}: ${current} running, ${desired} desired, max ${max}${metrics.length ? `; ${metrics.join(', ')}` : ''}`
  if (active?.status === 'False') {
    return { title, status: 'fail', evidence: { ...evidence, scalingActive: active.reason }, message: `${summary}; the HPA cannot scale: ${active.message ?? active.reason}`, remediation: `kubectl -n ${ns} describe hpa ${name} (a FailedGetResourceMetric reason usually means metrics-server is down or the pods set no requests)` }
  }
  if (desired >= max || current >= max) {
    return {
      title, status: 'warn', evidence,
      message: `${summary}: at its maximum, so it cannot absorb more load${limited?.status === 'True' ? ` (${limited.reason}: ${limited.message ?? ''})` : ''}`,
      remediation: `Raise the ceiling if the cluster has room: kubectl -n ${ns} patch hpa ${name} -p '{"spec":{"maxReplicas":${Math.max(max * 2, max + 2)}}}'; check capacity first: agentctl load --capacity`,
    }
  }
  if (desired > current) return { title, status: 'pass', evidence, message: `${summary}: scaling up` }
  return { title, status: 'pass', evidence, message: `${summary}: ${max - current} replicas of headroom` }
}
