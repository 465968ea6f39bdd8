import type { Check, CheckOutcome } from '../../src/check.js'
import { type Pod, type ServiceAccount, runKubeRule } from '../../src/kube/client.js'
import { restartCommand, workloadOf } from '../../src/kube/workload.js'

export const check: Check = {
  id: 'service-account-tokens',
  category: 'secrets',
  title: 'CIS 5.1.6: service-account tokens mounted only where needed',
  description: 'Pods that automount a Kubernetes API token (pod or service account automountServiceAccountToken not false) — CIS Kubernetes Benchmark 5.1.6',
  appliesTo: ['diagnose'],
  severity: 'warn',
  async run(ctx) {
    return runKubeRule(ctx, (reader) => Promise.all([reader.allPods(), reader.serviceAccounts()]), ([pods, accounts]: [Pod[], ServiceAccount[]], reader) => {
      const ns = reader.target.namespace
      if (pods.length === 0) return { status: 'skip', message: `no pods in namespace ${ns}`, evidence: { namespace: ns } }
      // Grouped by service account: that is where the fix belongs.
      const bySa = new Map<string, { mounted: string[]; notMounted: string[]; workloads: Set<string> }>()
      for (const pod of pods) {
        const saName = pod.spec?.serviceAccountName ?? 'default'
        const sa = accounts.find((a) => a.metadata?.name === saName)
        // The pod's own setting wins; otherwise the service account's; Kubernetes' default is to mount.
        const mounted = pod.spec?.automountServiceAccountToken ?? sa?.automountServiceAccountToken ?? true
        const entry = bySa.get(saName) ?? { mounted: [], notMounted: [], workloads: new Set() }
        ;(mounted ? entry.mounted : entry.notMounted).push(pod.metadata?.name ?? '?')
        if (mounted) entry.workloads.add(workloadOf(pod).ref)
        bySa.set(saName, entry)
      }
      return [...bySa].sort(([a], [b]) => a.localeCompare(b)).map(([sa, e]): CheckOutcome => {
        const account = accounts.find((a) => a.metadata?.name === sa)
        const title = `CIS 5.1.6 serviceaccount ${sa}`
        const evidence = { cis: '5.1.6', namespace: ns, serviceAccount: sa, serviceAccountAutomount: account?.automountServiceAccountToken ?? 'unset (defaults to true)', podsWithToken: e.mounted, podsWithoutToken: e.notMounted }
        if (e.mounted.length === 0) return { title, status: 'pass', evidence, message: `no pod using serviceaccount ${sa} mounts an API token` }
        const defaultNote = sa === 'default' ? ' Pods also run as the namespace\'s default service account (CIS 5.1.5): give them their own.' : ''
        return {
          title, status: 'fail', evidence,
          message: `${e.mounted.length} pod(s) using serviceaccount ${sa} mount a Kubernetes API token (${e.mounted.join(', ')}): anyone who gets code execution in them can call the API server with it (CIS 5.1.6).${defaultNote}`,
          remediation: `If the agent never calls the Kubernetes API: kubectl -n ${ns} patch serviceaccount ${sa} -p '{"automountServiceAccountToken": false}' && ${[...e.workloads].map((w) => restartCommand(ns, w)).join(' && ')}`,
        }
      })
    })
  },
}
