import type { Check, CheckOutcome } from '../../src/check.js'
import { type Pod, type Secret, runKubeRule } from '../../src/kube/client.js'
import { restartCommand } from '../../src/kube/workload.js'
import { AGE_EXEMPT_TYPES, ROTATION_ANNOTATION, rotationTime, secretUsage, type SecretUsage } from '../../src/kube/secrets.js'

export const check: Check = {
  id: 'secret-age',
  category: 'secrets',
  title: 'Secret age since last rotation',
  description: 'Age of each Secret in the namespace since rotation (agentctl.dev/rotated-at, managedFields, creation) against secrets.warnDays/criticalDays, with the pods using it',
  appliesTo: ['diagnose'],
  severity: 'fail',
  async run(ctx) {
    return runKubeRule(ctx, (reader) => Promise.all([reader.secrets(), reader.allPods()]), ([secrets, pods]: [Secret[], Pod[]], reader) => {
      const ns = reader.target.namespace
      const { warnDays, criticalDays } = ctx.config.secrets
      const usage = secretUsage(pods)
      const judged = secrets.filter((s) => !AGE_EXEMPT_TYPES[s.type ?? ''])
      const exempt = secrets.filter((s) => AGE_EXEMPT_TYPES[s.type ?? ''])
      const outcomes: CheckOutcome[] = judged
        .sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''))
        .map((s) => ageOutcome(s, usage.get(s.metadata?.name ?? ''), ns, warnDays, criticalDays))
      if (exempt.length) {
        outcomes.push({
          title: 'Secrets exempt from age findings', status: 'skip',
          message: `${exempt.length} secret(s) not judged by age: ${exempt.map((s) => `${s.metadata?.name} (${AGE_EXEMPT_TYPES[s.type ?? '']})`).join(', ')}`,
          evidence: { namespace: ns, exempt: exempt.map((s) => ({ name: s.metadata?.name, type: s.type })) },
        })
      }
      if (judged.length === 0) outcomes.unshift({ status: 'pass', message: `no application secrets in ${ns}`, evidence: { namespace: ns, secrets: secrets.length } })
      return outcomes
    })
  },
}

function ageOutcome(secret: Secret, used: SecretUsage | undefined, ns: string, warnDays: number, criticalDays: number): CheckOutcome {
  const name = secret.metadata?.name ?? 'unknown'
  const rotated = rotationTime(secret)
  const days = rotated ? Math.floor((Date.now() - rotated.at.getTime()) / 86_400_000) : undefined
  const usedBy = used ? [...used.pods].sort() : []
  const evidence = {
    secret: name, namespace: ns, type: secret.type, ageDays: days, since: rotated?.at.toISOString(), basis: rotated?.basis,
    warnDays, criticalDays, usedBy, via: used ? [...used.via] : [],
  }
  const title = `Secret ${name}`
  const users = usedBy.length ? `used by ${usedBy.length} pod(s) (${[...(used?.via ?? [])].join(', ')})` : 'used by no pod in the namespace'
  if (days === undefined) return { title, status: 'warn', evidence, message: `${name}: no creation or rotation time recorded`, remediation: annotate(ns, name) }
  const summary = `${name} is ${days} days old by ${rotated!.basis}; ${users}`
  if (days < warnDays) return { title, status: 'pass', evidence, message: summary }
  const restart = used?.via.has('env') || used?.via.has('envFrom') ? ` && ${[...used.workloads].map((w) => restartCommand(ns, w)).join(' && ')} (env vars only refresh on restart)` : ''
  const rotate = `Rotate it at the issuer, then: kubectl -n ${ns} create secret ${secret.type === 'kubernetes.io/tls' ? `tls ${name} --cert=new.crt --key=new.key` : `generic ${name} --from-literal=<key>=<new value>`} --dry-run=client -o yaml | kubectl apply -f - && ${annotate(ns, name)}${restart}`
  const unused = usedBy.length ? '' : `. Nothing mounts it: if it is obsolete, delete it: kubectl -n ${ns} delete secret ${name}`
  if (days >= criticalDays) return { title, status: 'fail', evidence, message: `${summary}: past the ${criticalDays}-day rotation limit`, remediation: rotate + unused }
  return { title, status: 'warn', evidence, message: `${summary}: past the ${warnDays}-day rotation warning`, remediation: rotate + unused }
}

function annotate(ns: string, name: string): string {
  return `kubectl -n ${ns} annotate secret ${name} ${ROTATION_ANNOTATION}=$(date -u +%FT%TZ) --overwrite`
}
