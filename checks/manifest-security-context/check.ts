import type { Check } from '../../src/check.js'
import { type Problem, runManifestRule, toOutcome, workloadName, workloads, manifestOptions } from '../manifest-support.js'

export const manifestSecurityContextCheck: Check = {
  id: 'manifest-security-context',
  category: 'config',
  title: 'Manifests: non-root, read-only root filesystem, no privilege',
  description: 'Containers run as non-root with a read-only root filesystem, no privilege escalation, no privileged mode or host namespaces, capabilities dropped.',
  appliesTo: ['validate'],
  severity: 'fail',
  options: manifestOptions,
  run: async (ctx) =>
    runManifestRule(ctx, (set) =>
      workloads(set.docs).map((w) => {
        const problems: Problem[] = []
        const pod = w.podSpec.securityContext ?? {}
        for (const ns of ['hostNetwork', 'hostPID', 'hostIPC'] as const) {
          if (w.podSpec[ns] === true) problems.push({ level: 'fail', text: `the pod shares the host's ${ns.slice(4)} namespace (${ns}: true)`, fix: `spec.${ns}: false` })
        }
        for (const c of [...(w.podSpec.initContainers ?? []), ...w.containers]) {
          // A container's securityContext overrides the pod's for the fields both define.
          const sc = { ...pod, ...(c.securityContext ?? {}) }
          const fix = (field: string, value: string) => `containers[${c.name}].securityContext.${field}: ${value}`
          const nonRoot = sc.runAsNonRoot === true || (typeof sc.runAsUser === 'number' && sc.runAsUser > 0)
          if (sc.runAsUser === 0) problems.push({ level: 'fail', text: `container ${c.name} runs as root (runAsUser: 0)`, fix: fix('runAsUser', '1000  # and runAsNonRoot: true') })
          else if (!nonRoot) problems.push({ level: 'fail', text: `container ${c.name} may run as root (no runAsNonRoot: true / runAsUser > 0)`, fix: fix('runAsNonRoot', 'true  # with runAsUser: 1000') })
          if (sc.readOnlyRootFilesystem !== true) problems.push({ level: 'fail', text: `container ${c.name} has a writable root filesystem`, fix: fix('readOnlyRootFilesystem', 'true  # mount an emptyDir at /tmp for scratch space') })
          if (sc.privileged === true) problems.push({ level: 'fail', text: `container ${c.name} is privileged`, fix: fix('privileged', 'false') })
          if (sc.allowPrivilegeEscalation !== false) problems.push({ level: 'warn', text: `container ${c.name} does not set allowPrivilegeEscalation: false`, fix: fix('allowPrivilegeEscalation', 'false') })
          const dropped = (sc.capabilities?.drop ?? []).map((x: string) => String(x).toUpperCase())
          if (!dropped.includes('ALL')) problems.push({ level: 'warn', text: `container ${c.name} keeps the default Linux capabilities`, fix: fix('capabilities.drop', '["ALL"]') })
        }
        return toOutcome(`Manifests: security context of ${workloadName(w)}`, w, problems, 'non-root, read-only root filesystem, no privilege escalation, capabilities dropped')
      }),
    ),
}
