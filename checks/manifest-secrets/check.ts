import type { Check, CheckOutcome } from '../../src/check.js'
import { type ManifestDoc, type Problem, runManifestRule, toOutcome, workloadName, workloads, manifestOptions } from '../manifest-support.js'

/** Names that hold credentials; *_FILE variables hold a path to a mounted secret, which is the right way. */
const SECRET_NAME = /(^|_)(API_?KEYS?|SECRET|TOKEN|PASSWORD|PASSWD|PRIVATE_KEY|CREDENTIALS?|ACCESS_KEY|AUTH)(_|$)|(DATABASE|REDIS|POSTGRES|MONGO|AMQP|NATS)_URL$/i
/** Values that are credentials whatever their name: provider keys, passwords inside URLs. */
const SECRET_VALUE = /\b(sk|pk|rk)-[A-Za-z0-9_-]{16,}|[a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:[^\s@/]+@/i
const PLACEHOLDER = /^(\$\{.*\}|<.*>|changeme|change-me|replace-?me|xxx+|\*+|)$/i

function literalSecret(name: string, value: string | undefined): string | undefined {
  if (value === undefined || PLACEHOLDER.test(value.trim()) || /_FILE$/i.test(name)) return undefined
  if (SECRET_VALUE.test(value)) return 'a credential-shaped value'
  if (SECRET_NAME.test(name) && !/^(\/|file:)/.test(value)) return 'a secret-named variable'
  return undefined
}

const FIX = (name: string) => `env: [{ name: ${name}, valueFrom: { secretKeyRef: { name: ai-agent-secrets, key: ${name} } } }]  # or mount the Secret as files and read ${name}_FILE`

export const manifestSecretsCheck: Check = {
  id: 'manifest-secrets',
  category: 'config',
  title: 'Manifests: secrets come from Secret references, not literals',
  description: 'No credential is written in a container env value or a ConfigMap; they come from Secret references (secretKeyRef, envFrom secretRef, mounted files).',
  appliesTo: ['validate'],
  severity: 'fail',
  options: manifestOptions,
  run: async (ctx) =>
    runManifestRule(ctx, (set) => {
      const outcomes: CheckOutcome[] = workloads(set.docs).map((w) => {
        const problems: Problem[] = []
        for (const c of [...(w.podSpec.initContainers ?? []), ...w.containers]) {
          for (const e of c.env ?? []) {
            const why = literalSecret(e.name, e.value === undefined ? undefined : String(e.value))
            if (why) problems.push({ level: 'fail', text: `container ${c.name}: env ${e.name} is ${why} written in the manifest`, fix: FIX(e.name) })
          }
        }
        return toOutcome(`Manifests: secrets of ${workloadName(w)}`, w, problems, 'no literal secrets in container env')
      })
      for (const cm of set.docs.filter((d) => d.kind === 'ConfigMap')) outcomes.push(configMapOutcome(cm))
      for (const secret of set.docs.filter((d) => d.kind === 'Secret')) {
        const values = { ...(secret.obj.data ?? {}), ...(secret.obj.stringData ?? {}) }
        const real = Object.entries(values).filter(([, v]) => !PLACEHOLDER.test(String(v ?? '').trim()))
        if (real.length > 0) {
          outcomes.push({ status: 'warn', title: `Manifests: Secret/${secret.name}`, message: `Secret/${secret.name} carries ${real.length} value(s) in ${secret.file}: credentials committed with the manifests`, evidence: { file: secret.file, keys: real.map(([k]) => k) }, remediation: 'Keep secret values out of the repository: External Secrets, Sealed Secrets or SOPS, or `kubectl create secret generic … --from-env-file` at deploy time.' })
        }
      }
      return outcomes
    }),
}

function configMapOutcome(cm: ManifestDoc): CheckOutcome {
  const problems: Problem[] = []
  for (const [key, value] of Object.entries(cm.obj.data ?? {})) {
    const why = literalSecret(key, String(value))
    if (why) problems.push({ level: 'fail', text: `key ${key} is ${why} in a ConfigMap (readable by anyone who can read ConfigMaps)`, fix: `Move ${key} from ConfigMap/${cm.name} to a Secret and reference it: ${FIX(key)}` })
  }
  return toOutcome(`Manifests: secrets in ConfigMap/${cm.name}`, cm, problems, 'no credentials in the ConfigMap')
}
