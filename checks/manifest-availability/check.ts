import type { Check } from '../../src/check.js'
import { type K8sObject, type ManifestDoc, type Problem, runManifestRule, toOutcome, type Workload, workloadName, workloads, manifestOptions } from '../manifest-support.js'

function selects(selector: K8sObject | undefined, labels: Record<string, string>): boolean {
  if (!selector) return false
  const matchLabels: Record<string, string> = selector.matchLabels ?? {}
  const exprs: K8sObject[] = selector.matchExpressions ?? []
  if (Object.keys(matchLabels).length === 0 && exprs.length === 0) return false
  return (
    Object.entries(matchLabels).every(([k, v]) => labels[k] === v) &&
    exprs.every((e) => {
      const has = e.key in labels
      const values: string[] = e.values ?? []
      switch (e.operator) {
        case 'In': return has && values.includes(labels[e.key]!)
        case 'NotIn': return !has || !values.includes(labels[e.key]!)
        case 'Exists': return has
        case 'DoesNotExist': return !has
        default: return false
      }
    })
  )
}

function hpaFor(w: Workload, docs: readonly ManifestDoc[]): ManifestDoc | undefined {
  return docs.find((d) => d.kind === 'HorizontalPodAutoscaler' && d.namespace === w.namespace && d.obj.spec?.scaleTargetRef?.kind === w.kind && d.obj.spec?.scaleTargetRef?.name === w.name)
}

export const manifestAvailabilityCheck: Check = {
  id: 'manifest-availability',
  category: 'config',
  title: 'Manifests: at least 2 replicas and a PodDisruptionBudget',
  description: 'Deployments and StatefulSets run at least 2 replicas (or an HPA with minReplicas >= 2) and a PodDisruptionBudget selects their pods without blocking node drains.',
  appliesTo: ['validate'],
  severity: 'fail',
  options: manifestOptions,
  run: async (ctx) =>
    runManifestRule(ctx, (set) =>
      workloads(set.docs)
        .filter((w) => w.kind === 'Deployment' || w.kind === 'StatefulSet')
        .map((w) => {
          const problems: Problem[] = []
          const hpa = hpaFor(w, set.docs)
          const minReplicas = hpa ? (hpa.obj.spec?.minReplicas ?? 1) : w.replicas!
          if (minReplicas < 2) {
            problems.push({ level: 'fail', text: hpa ? `HorizontalPodAutoscaler/${hpa.name} allows ${minReplicas} replica` : `${w.replicas} replica: one restart or node drain takes the agent down`, fix: hpa ? `HorizontalPodAutoscaler/${hpa.name}.spec.minReplicas: 2` : `${workloadName(w)}.spec.replicas: 2  # at least; size with \`agentctl load --capacity\`` })
          }
          const pdb = set.docs.find((d) => d.kind === 'PodDisruptionBudget' && d.namespace === w.namespace && selects(d.obj.spec?.selector, w.podLabels))
          if (!pdb) {
            const labels = Object.entries(w.podLabels).slice(0, 1).map(([k, v]) => `${k}: ${v}`).join(', ') || 'app: <label>'
            problems.push({ level: 'fail', text: 'no PodDisruptionBudget selects its pods', fix: `apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: { name: ${w.name}, namespace: ${w.namespace} }\nspec: { maxUnavailable: 1, selector: { matchLabels: { ${labels} } } }` })
          } else {
            const { minAvailable, maxUnavailable } = pdb.obj.spec ?? {}
            if (maxUnavailable === 0 || maxUnavailable === '0%' || minAvailable === '100%' || (typeof minAvailable === 'number' && minAvailable >= minReplicas)) {
              problems.push({ level: 'warn', text: `PodDisruptionBudget/${pdb.name} allows no voluntary disruption at ${minReplicas} replicas: node drains will hang`, fix: `PodDisruptionBudget/${pdb.name}.spec: { maxUnavailable: 1 }` })
            }
          }
          return toOutcome(`Manifests: availability of ${workloadName(w)}`, w, problems, `${minReplicas}+ replicas${hpa ? ` (HPA ${hpa.name})` : ''}, PodDisruptionBudget ${pdb?.name}`, { minReplicas, pdb: pdb?.name, hpa: hpa?.name })
        }),
    ),
}
