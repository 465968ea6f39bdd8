import type { Check } from '../../src/check.js'
import { type Problem, runManifestRule, toOutcome, workloadName, workloads, manifestOptions } from '../manifest-support.js'

const UNITS: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, K: 1e3, M: 1e6, G: 1e9, T: 1e12, m: 1e-3, '': 1 }

/** Kubernetes quantity → number (cpu cores or bytes); NaN when unreadable. */
export function quantity(value: unknown): number {
  const match = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|K|M|G|T|m)?$/.exec(String(value ?? '').trim())
  return match ? Number(match[1]) * UNITS[match[2] ?? '']! : Number.NaN
}

export const manifestResourcesCheck: Check = {
  id: 'manifest-resources',
  category: 'config',
  title: 'Manifests: resource requests and limits',
  description: 'Every container requests CPU and memory and limits memory (CPU limit recommended); requests never exceed limits.',
  appliesTo: ['validate'],
  severity: 'fail',
  options: manifestOptions,
  run: async (ctx) =>
    runManifestRule(ctx, (set) =>
      workloads(set.docs).map((w) => {
        const problems: Problem[] = []
        const evidence: Record<string, unknown> = {}
        for (const c of [...(w.podSpec.initContainers ?? []), ...w.containers]) {
          const { requests = {}, limits = {} } = c.resources ?? {}
          evidence[c.name] = { requests, limits }
          const snippet = `containers[${c.name}].resources: { requests: { cpu: 250m, memory: 256Mi }, limits: { memory: 512Mi } }  # size from \`agentctl load\``
          for (const key of ['cpu', 'memory'] as const) if (requests[key] === undefined) problems.push({ level: 'fail', text: `container ${c.name} has no ${key} request`, fix: snippet })
          if (limits.memory === undefined) problems.push({ level: 'fail', text: `container ${c.name} has no memory limit (one leak can evict its neighbours)`, fix: snippet })
          if (limits.cpu === undefined) problems.push({ level: 'warn', text: `container ${c.name} has no CPU limit`, fix: `containers[${c.name}].resources.limits.cpu: "1"  # or accept throttling-free bursts knowingly` })
          for (const key of ['cpu', 'memory'] as const) {
            if (requests[key] !== undefined && limits[key] !== undefined && quantity(requests[key]) > quantity(limits[key])) {
              problems.push({ level: 'fail', text: `container ${c.name}: ${key} request ${requests[key]} exceeds its limit ${limits[key]}`, fix: `Lower containers[${c.name}].resources.requests.${key} to at most the limit.` })
            }
          }
        }
        return toOutcome(`Manifests: resources of ${workloadName(w)}`, w, problems, 'requests and limits set on every container', evidence)
      }),
    ),
}
