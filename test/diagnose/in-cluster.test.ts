/**
 * deploy/diagnose/: the in-cluster diagnosis. Its manifests pass our own manifest checks; its Role
 * grants exactly what the diagnose checks read (observed against the loopback fake API, both
 * ways: nothing read is missing, nothing granted is unused); and a 403 on any of those reads
 * becomes a finding that names the verb, the resource, the identity and the rule to add, a rule
 * the shipped Role has.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseAllDocuments } from 'yaml'
import { describe, expect, it } from 'vitest'
import { findCheck } from '../../checks/index.js'
import { validateCatalogue } from '../../checks/catalogue-validate.js'
import { KUBE_READS, ruleYaml, splitResource } from '../../src/kube/rbac.js'
import { packageRoot } from '../../src/paths.js'
import { kubeContext, type Out } from '../support/kube-context.js'
import { startFakeKube } from '../support/fake-kube.js'
import { lintManifests } from '../validate/manifest-helpers.js'

const dir = join(packageRoot(), 'deploy', 'diagnose')
const docs = (file: string) => parseAllDocuments(readFileSync(join(dir, file), 'utf8')).map((d) => d.toJS())

type Rule = { apiGroups: string[]; resources: string[]; verbs: string[] }
/** Every (verb, resource.group) the shipped Roles grant. */
function granted(): string[] {
  const roles = ['rbac.yaml', 'rbac-secrets.yaml'].flatMap(docs).filter((d) => d.kind === 'Role')
  return roles.flatMap((r) => (r.rules as Rule[]).flatMap((rule) => rule.apiGroups.flatMap((g) => rule.resources.flatMap((res) => rule.verbs.map((v) => `${v} ${g ? `${res}.${g}` : res}`))))).sort()
}

/** The fake API's resource name for each kubectl resource.group. */
const FAKE: Record<string, 'pods' | 'secrets' | 'serviceaccounts' | 'networkpolicies' | 'podmetrics' | 'horizontalpodautoscalers'> = {
  pods: 'pods',
  secrets: 'secrets',
  serviceaccounts: 'serviceaccounts',
  'networkpolicies.networking.k8s.io': 'networkpolicies',
  'horizontalpodautoscalers.autoscaling': 'horizontalpodautoscalers',
  'pods.metrics.k8s.io': 'podmetrics',
}
const PATH_RESOURCE: Array<[RegExp, string]> = [
  [/^\/apis\/metrics\.k8s\.io\/v1beta1\/namespaces\/[^/]+\/pods$/, 'pods.metrics.k8s.io'],
  [/^\/api\/v1\/namespaces\/[^/]+\/(pods|secrets|serviceaccounts)$/, '$1'],
  [/^\/apis\/networking\.k8s\.io\/v1\/namespaces\/[^/]+\/networkpolicies$/, 'networkpolicies.networking.k8s.io'],
  [/^\/apis\/autoscaling\/v2\/namespaces\/[^/]+\/horizontalpodautoscalers$/, 'horizontalpodautoscalers.autoscaling'],
]
const kubeChecks = [...new Set(KUBE_READS.flatMap((r) => r.checks))]

describe('deploy/diagnose', () => {
  it.each(validateCatalogue.filter((c) => c.id.startsWith('manifest-')).map((c) => [c.id, c] as const))('%s passes on deploy/diagnose/*.yaml', async (_id, check) => {
    const { findings } = await lintManifests(check, ['deploy/diagnose/*.yaml'])
    const summary = findings.map((f) => `${f.title}: ${f.status}: ${f.message}`).join('\n')
    for (const f of findings) expect(['pass', 'skip'], summary).toContain(f.status)
    if (['manifest-resources', 'manifest-security-context'].includes(check.id)) expect(findings.filter((f) => f.status === 'pass').map((f) => f.evidence.workload).sort()).toEqual(['CronJob/agentctl-diagnose', 'Job/(unnamed)'])
  })

  it('the Roles grant exactly the reads src/kube/rbac.ts lists, list only', () => {
    expect(granted()).toEqual(KUBE_READS.map((r) => `${r.verb} ${r.resource}`).sort())
    const binding = docs('rbac.yaml').find((d) => d.kind === 'RoleBinding')
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'agentctl-diagnose', namespace: 'ai-agents' }])
  })

  it('the diagnose checks read exactly what the Roles grant (observed on the fake API)', async () => {
    const kube = await startFakeKube()
    try {
      for (const id of kubeChecks) {
        const out = (await findCheck(id)!.run(kubeContext(kube))) as Out | Out[]
        for (const o of [out].flat()) expect(o.status, `${id}: ${o.message}`).not.toBe('error')
      }
      const read = new Set(
        kube.requests.map((r) => {
          const [method, url] = r.split(' ')
          const path = url!.split('?')[0]!
          const hit = PATH_RESOURCE.find(([re]) => re.test(path))
          expect(hit, r).toBeDefined()
          return `${method === 'GET' ? 'list' : method} ${path.replace(hit![0], hit![1])}`
        }),
      )
      expect([...read].sort()).toEqual(granted())
    } finally {
      await kube.close()
    }
  })

  it.each(KUBE_READS.map((r) => [r.resource, r] as const))('a 403 on list %s is a finding naming the verb, resource, identity and the rule to add', async (resource, read) => {
    const kube = await startFakeKube({ forbidden: [FAKE[resource]!], identity: 'system:serviceaccount:ai-agents:agentctl-diagnose' })
    try {
      const out = [(await findCheck(read.checks.at(-1)!)!.run(kubeContext(kube))) as Out | Out[]].flat()[0]!
      expect(out.status).toBe('error')
      expect(out.message).toContain(`RBAC forbids \`list ${resource}\` in namespace ai-agents for system:serviceaccount:ai-agents:agentctl-diagnose`)
      const rule = ruleYaml('list', resource)
      expect(out.remediation).toContain(rule)
      expect(out.remediation).toContain(`kubectl -n ai-agents create role agentctl-list-${splitResource(resource).plural} --verb=list --resource=${resource}`)
      expect(out.remediation).toContain('--serviceaccount=ai-agents:agentctl-diagnose')
      expect(out.remediation).toContain(`kubectl auth can-i list ${resource} -n ai-agents --as=system:serviceaccount:ai-agents:agentctl-diagnose`)
      expect(out.evidence).toMatchObject({ identity: 'system:serviceaccount:ai-agents:agentctl-diagnose', missingRule: rule })
      // The rule asked for is one the shipped Roles hold.
      expect(granted()).toContain(`list ${resource}`)
      if (resource === 'secrets') expect(out.remediation).toContain('checks: { secret-age: off }')
    } finally {
      await kube.close()
    }
  })

  it('the one-shot Job runs the CronJob\'s pod unchanged, and both write the report to stdout in an explicit format', () => {
    const cron = docs('cronjob.yaml')[0]
    const job = docs('job.yaml')[0]
    expect(job.spec).toEqual(cron.spec.jobTemplate.spec)
    expect(cron.spec.jobTemplate.spec.template.spec.containers[0].args).toEqual(['diagnose', '--config', '/etc/agentctl/agentctl.yaml', '-o', '-', '--format', 'json'])
    expect(cron.spec.jobTemplate.spec.template.spec.serviceAccountName).toBe('agentctl-diagnose')
  })
})
