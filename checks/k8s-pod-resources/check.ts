import type { V1Container } from '@kubernetes/client-node'
import type { Check, CheckOutcome } from '../../src/check.js'
import { type PodMetrics, type Pod, runKubeRule } from '../../src/kube/client.js'
import { formatCpu, formatMemory, mib, parseQuantity } from '../../src/kube/quantity.js'
import { workloadOf } from '../../src/kube/workload.js'

/** Share of the memory limit at which a pod is one spike away from an OOM kill. */
const MEM_WARN = 0.8
const MEM_FAIL = 0.9
/** CPU at the limit means CFS throttling: latency, not a crash. */
const CPU_WARN = 0.9
/** Suggested new limit: headroom over what the container uses now. */
const HEADROOM = 1.5

export const check: Check = {
  id: 'k8s-pod-resources',
  category: 'resources',
  title: 'Agent pods: CPU and memory against requests and limits',
  description: 'Usage from the metrics API (metrics.k8s.io, what kubectl top reads) against each container\'s requests and limits',
  appliesTo: ['diagnose'],
  severity: 'fail',
  async run(ctx) {
    return runKubeRule(ctx, (reader) => Promise.all([reader.pods(), reader.podMetrics()]), ([pods, usage]: [Pod[], PodMetrics[] | undefined], reader) => {
      const ns = reader.target.namespace
      if (pods.length === 0) return { status: 'skip', message: `no pods match the selector in ${ns} (see k8s-pods)` }
      const outcomes = pods.map((pod) => podOutcome(pod, usage?.find((m) => m.metadata.name === pod.metadata?.name), ns))
      if (!usage) {
        outcomes.unshift({
          title: 'Metrics API', status: 'warn', evidence: { namespace: ns, api: 'metrics.k8s.io/v1beta1' },
          message: 'the metrics API is not served (no metrics-server), so live CPU and memory use is unknown; requests and limits are still checked',
          remediation: 'Install metrics-server: kubectl apply -f https://github.com/kubernetes-sigs/metrics-server/releases/latest/download/components.yaml; then: kubectl -n ' + ns + ' top pods',
        })
      }
      return outcomes
    })
  },
}

interface Finding { level: 'fail' | 'warn'; text: string; fix?: string }

function podOutcome(pod: Pod, metrics: PodMetrics | undefined, ns: string): CheckOutcome {
  const name = pod.metadata?.name ?? 'unknown'
  const workload = workloadOf(pod)
  const findings: Finding[] = []
  const containers: Record<string, unknown>[] = []
  for (const c of pod.spec?.containers ?? []) {
    const used = metrics?.containers.find((m) => m.name === c.name)?.usage
    const row = containerRow(c, used)
    containers.push(row.evidence)
    findings.push(...row.findings.map((f) => ({ ...f, fix: f.fix?.replace('$REF', workload.ref).replace('$NS', ns) })))
  }
  const title = `Resources of ${name}`
  const evidence = { pod: name, namespace: ns, workload: workload.ref, containers, usageFrom: metrics ? `metrics.k8s.io (${metrics.window ?? '?'} window)` : 'unavailable' }
  const worst = findings.find((f) => f.level === 'fail') ? 'fail' : findings.length ? 'warn' : 'pass'
  if (worst === 'pass') return { title, status: 'pass', evidence, message: summary(containers) }
  const fixes = [...new Set(findings.map((f) => f.fix).filter(Boolean))]
  return { title, status: worst, evidence, message: findings.map((f) => f.text).join('; '), remediation: fixes.join('; ') + (metrics ? `; watch it: kubectl -n ${ns} top pod ${name} --containers` : '') }
}

function containerRow(c: V1Container, used: { cpu: string; memory: string } | undefined): { evidence: Record<string, unknown>; findings: Finding[] } {
  const req = { cpu: parseQuantity(c.resources?.requests?.cpu), mem: parseQuantity(c.resources?.requests?.memory) }
  const lim = { cpu: parseQuantity(c.resources?.limits?.cpu), mem: parseQuantity(c.resources?.limits?.memory) }
  const use = { cpu: parseQuantity(used?.cpu), mem: parseQuantity(used?.memory) }
  const pct = (a?: number, b?: number) => (a !== undefined && b ? Math.round((100 * a) / b) : undefined)
  const evidence: Record<string, unknown> = {
    container: c.name,
    cpu: { used: use.cpu !== undefined ? formatCpu(use.cpu) : undefined, request: c.resources?.requests?.cpu, limit: c.resources?.limits?.cpu, pctOfLimit: pct(use.cpu, lim.cpu), pctOfRequest: pct(use.cpu, req.cpu) },
    memory: { used: use.mem !== undefined ? mib(use.mem) : undefined, request: c.resources?.requests?.memory, limit: c.resources?.limits?.memory, pctOfLimit: pct(use.mem, lim.mem), pctOfRequest: pct(use.mem, req.mem) },
  }
  const findings: Finding[] = []
  const setMem = (bytes: number) => `kubectl -n $NS set resources $REF -c ${c.name} --limits=memory=${formatMemory(bytes)}`
  if (use.mem !== undefined && lim.mem) {
    const share = use.mem / lim.mem
    const suggest = setMem(Math.max(use.mem * HEADROOM, lim.mem))
    if (share >= MEM_FAIL) findings.push({ level: 'fail', text: `${c.name} uses ${mib(use.mem)} of its ${c.resources?.limits?.memory} memory limit (${Math.round(share * 100)}%): an OOM kill is imminent`, fix: `${suggest} (1.5x current use)` })
    else if (share >= MEM_WARN) findings.push({ level: 'warn', text: `${c.name} uses ${mib(use.mem)} of its ${c.resources?.limits?.memory} memory limit (${Math.round(share * 100)}%)`, fix: `${suggest} (1.5x current use)` })
  }
  if (!lim.mem) findings.push({ level: 'warn', text: `${c.name} has no memory limit: a leak can exhaust the node and evict its neighbours`, fix: setMem(Math.max((use.mem ?? req.mem ?? 256 * 2 ** 20) * HEADROOM, 128 * 2 ** 20)) })
  if (!req.cpu || !req.mem) findings.push({ level: 'warn', text: `${c.name} sets no ${!req.cpu ? 'CPU' : 'memory'} request: the scheduler cannot place it reliably and the HPA cannot compute utilisation`, fix: `kubectl -n $NS set resources $REF -c ${c.name} --requests=cpu=${formatCpu(Math.max(use.cpu ?? 0.25, 0.1))},memory=${formatMemory(Math.max(use.mem ?? 256 * 2 ** 20, 64 * 2 ** 20))}` })
  if (use.cpu !== undefined && lim.cpu && use.cpu / lim.cpu >= CPU_WARN) {
    findings.push({ level: 'warn', text: `${c.name} runs at ${Math.round((100 * use.cpu) / lim.cpu)}% of its ${c.resources?.limits?.cpu} CPU limit: it is being throttled, which shows up as latency`, fix: `kubectl -n $NS set resources $REF -c ${c.name} --limits=cpu=${formatCpu(use.cpu * HEADROOM)}` })
  }
  return { evidence, findings }
}

function summary(containers: Record<string, unknown>[]): string {
  return containers
    .map((c) => {
      const cpu = c.cpu as Record<string, unknown>
      const mem = c.memory as Record<string, unknown>
      return `${c.container}: CPU ${cpu.used ?? '?'} (limit ${cpu.limit ?? 'none'}), memory ${mem.used ?? '?'} of ${mem.limit ?? 'no limit'}${mem.pctOfLimit !== undefined ? ` (${mem.pctOfLimit}%)` : ''}`
    })
    .join('; ')
}
