import type { Check, CheckOutcome } from '../../src/check.js'
import { type KubeReader, type Pod, runKubeRule } from '../../src/kube/client.js'
import { formatMemory, parseQuantity } from '../../src/kube/quantity.js'
import { ago, workloadOf } from '../../src/kube/workload.js'

export const check: Check = {
  id: 'k8s-pods',
  category: 'resources',
  title: 'Agent pods: phase, readiness, restarts, OOM kills',
  description: 'Pods matching kubernetes.selector: phase, readiness, restart counts and the last termination reason (OOMKilled)',
  appliesTo: ['diagnose'],
  severity: 'fail',
  async run(ctx) {
    return runKubeRule(ctx, (reader) => reader.pods(), (pods: Pod[], reader) => {
      const { namespace: ns, selector } = reader.target
      if (pods.length === 0) {
        return {
          status: 'fail',
          message: `no pods match ${selector ? `selector ${selector}` : 'any selector'} in namespace ${ns}`,
          evidence: { namespace: ns, selector, server: reader.server },
          remediation: `List what is there: kubectl -n ${ns} get pods --show-labels; then set kubernetes.selector in agentctl.yaml`,
        }
      }
      return pods.map((pod) => podOutcome(pod, reader))
    })
  },
}

function podOutcome(pod: Pod, reader: KubeReader): CheckOutcome {
  const ns = reader.target.namespace
  const name = pod.metadata?.name ?? 'unknown'
  const workload = workloadOf(pod)
  const phase = pod.status?.phase ?? 'Unknown'
  const ready = pod.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True'
  const statuses = pod.status?.containerStatuses ?? []
  const restarts = statuses.reduce((a, c) => a + (c.restartCount ?? 0), 0)
  const waiting = statuses.map((c) => c.state?.waiting?.reason).find(Boolean)
  const last = statuses.map((c) => ({ container: c.name, t: c.lastState?.terminated })).find((x) => x.t)
  const oom = statuses.find((c) => c.lastState?.terminated?.reason === 'OOMKilled' || c.state?.terminated?.reason === 'OOMKilled')
  const evidence: Record<string, unknown> = {
    pod: name, namespace: ns, workload: workload.ref, phase, ready, restarts,
    ...(waiting ? { waiting } : {}),
    ...(last?.t ? { lastTermination: { container: last.container, reason: last.t.reason, exitCode: last.t.exitCode, finishedAt: ago(last.t.finishedAt) } } : {}),
  }
  const title = `Pod ${name}`
  const base = `${phase}, ${ready ? 'ready' : 'NOT ready'}, ${restarts} restart${restarts === 1 ? '' : 's'}`
  const logs = `kubectl -n ${ns} logs ${name} --previous --tail=100; kubectl -n ${ns} describe pod ${name}`
  if (oom) {
    const container = pod.spec?.containers?.find((c) => c.name === oom.name)
    const limit = parseQuantity(container?.resources?.limits?.memory)
    const suggested = limit ? formatMemory(limit * 1.5) : '1Gi'
    return {
      title, status: 'fail', evidence,
      message: `${base}; container ${oom.name} was OOMKilled ${ago(oom.lastState?.terminated?.finishedAt ?? oom.state?.terminated?.finishedAt)} (memory limit ${container?.resources?.limits?.memory ?? 'none'})`,
      remediation: `Raise the memory limit (1.5x the current one) or find the leak: kubectl -n ${ns} set resources ${workload.ref} -c ${oom.name} --limits=memory=${suggested}; inspect: ${logs}`,
    }
  }
  if (!['Running', 'Succeeded'].includes(phase) || !ready) {
    const why = waiting ?? pod.status?.conditions?.find((c) => c.type === 'Ready')?.reason ?? pod.status?.reason ?? phase
    return { title, status: 'fail', evidence, message: `${base} (${why})`, remediation: `Inspect: ${logs}; if it is wedged: kubectl -n ${ns} delete pod ${name} (or kubectl -n ${ns} rollout restart ${workload.ref})` }
  }
  if (restarts > 0) {
    return { title, status: 'warn', evidence, message: `${base}; last termination: ${last?.t?.reason ?? 'unknown'} (exit ${last?.t?.exitCode ?? '?'}) ${ago(last?.t?.finishedAt)}`, remediation: `See why it restarted: ${logs}` }
  }
  return { title, status: 'pass', evidence, message: base }
}
