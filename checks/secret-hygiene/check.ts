import type { Check, CheckOutcome } from '../../src/check.js'
import { type Pod, runKubeRule } from '../../src/kube/client.js'
import { workloadOf } from '../../src/kube/workload.js'

export const check: Check = {
  id: 'secret-hygiene',
  category: 'secrets',
  title: 'CIS 5.4.1: secrets as files, not environment variables',
  description: 'Workloads that pass Secrets as environment variables (env valueFrom.secretKeyRef, envFrom.secretRef) — CIS Kubernetes Benchmark 5.4.1',
  appliesTo: ['diagnose'],
  severity: 'warn',
  async run(ctx) {
    return runKubeRule(ctx, (reader) => reader.allPods(), (pods: Pod[], reader) => {
      const ns = reader.target.namespace
      // One finding per workload: its replicas share a spec, listing every pod would only repeat it.
      const byWorkload = new Map<string, { pods: string[]; refs: Array<{ container: string; env: string; secret: string; key?: string }> }>()
      for (const pod of pods) {
        const w = workloadOf(pod).ref
        const entry = byWorkload.get(w) ?? { pods: [], refs: [] }
        entry.pods.push(pod.metadata?.name ?? '?')
        if (entry.pods.length === 1) {
          for (const c of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]) {
            for (const e of c.env ?? []) if (e.valueFrom?.secretKeyRef) entry.refs.push({ container: c.name, env: e.name, secret: e.valueFrom.secretKeyRef.name ?? '?', key: e.valueFrom.secretKeyRef.key })
            for (const e of c.envFrom ?? []) if (e.secretRef) entry.refs.push({ container: c.name, env: `${e.prefix ?? ''}* (envFrom)`, secret: e.secretRef.name ?? '?' })
          }
        }
        byWorkload.set(w, entry)
      }
      if (byWorkload.size === 0) return { status: 'skip', message: `no pods in namespace ${ns}`, evidence: { namespace: ns } }
      return [...byWorkload].sort(([a], [b]) => a.localeCompare(b)).map(([workload, entry]): CheckOutcome => {
        const title = `CIS 5.4.1 ${workload}`
        const evidence = { cis: '5.4.1', namespace: ns, workload, pods: entry.pods, secretEnvVars: entry.refs }
        if (entry.refs.length === 0) return { title, status: 'pass', evidence, message: `${workload} passes no secrets through environment variables` }
        const first = entry.refs[0]!
        return {
          title, status: 'fail', evidence,
          message: `${workload} exposes ${entry.refs.length} secret(s) as environment variables (${entry.refs.map((r) => `${r.env} <- ${r.secret}`).join(', ')}): env vars leak into crash dumps, child processes and \`kubectl describe\`, and never refresh on rotation (CIS 5.4.1)`,
          remediation: workload.startsWith('pod/')
            ? `A bare pod cannot be edited in place: in its manifest, replace the env reference with a secret volume (volumes: [{name: ${first.secret}, secret: {secretName: ${first.secret}}}], mounted read-only at /var/run/secrets/${first.secret}), then: kubectl -n ${ns} replace --force -f <manifest>`
            : `Mount the secret as a file and read it from there: kubectl -n ${ns} set volume ${workload} --add --name=${first.secret} --type=secret --secret-name=${first.secret} --mount-path=/var/run/secrets/${first.secret} --read-only; ` +
            (first.env.endsWith('(envFrom)')
              ? `then drop the envFrom entry: kubectl -n ${ns} edit ${workload}`
              : `then drop the variable: kubectl -n ${ns} set env ${workload} -c ${first.container} ${first.env}- (the app reads /var/run/secrets/${first.secret}/${first.key ?? '<key>'})`),
        }
      })
    })
  },
}
