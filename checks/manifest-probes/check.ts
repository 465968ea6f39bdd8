import type { Check } from '../../src/check.js'
import { parseDuration } from '../../src/duration.js'
import { containerEnv, type K8sObject, type ManifestDoc, type Problem, runManifestRule, toOutcome, workloadName, workloads, manifestOptions } from '../manifest-support.js'

/** A liveness path with one of these words usually checks dependencies (or the LLM): wrong probe. */
const DEPENDENT_PATH = /ready|readiness|deep|depend|llm|chat|complet|upstream|downstream|db|database/i
/** Env vars that bound a dependency check (what /ready waits for). LLM/request/tool timeouts are for chats, not probes. */
const DEPENDENCY_TIMEOUT = /^(?!LLM_|REQUEST_|TOOL_|SHUTDOWN_)\w*(READY|READINESS|HEALTH|DEPENDENCY|PROBE|REDIS|DATABASE|DB|PG|POSTGRES|NATS|CACHE)\w*TIMEOUT(_MS|_S|_SECONDS)?$/
/** Explicit declaration for agents whose dependency timeout is not in the environment. */
export const DEPENDENCY_TIMEOUT_ANNOTATION = 'agentctl.dev/dependency-timeout'

function describeProbe(probe: K8sObject | undefined): string | undefined {
  if (!probe) return undefined
  if (probe.httpGet) return `GET ${probe.httpGet.path ?? '/'} :${probe.httpGet.port}`
  if (probe.grpc) return `grpc :${probe.grpc.port} ${probe.grpc.service ?? ''}`.trim()
  if (probe.tcpSocket) return `tcp :${probe.tcpSocket.port}`
  if (probe.exec) return `exec ${(probe.exec.command ?? []).join(' ')}`
  return undefined
}

/** The longest dependency timeout the workload declares, in ms, and where it came from. */
function dependencyTimeout(container: K8sObject, w: ManifestDoc & { podAnnotations: Record<string, string> }, docs: readonly ManifestDoc[]): { ms: number; source: string } | undefined {
  const annotated = w.podAnnotations[DEPENDENCY_TIMEOUT_ANNOTATION]
  if (annotated) return { ms: parseDuration(annotated, DEPENDENCY_TIMEOUT_ANNOTATION), source: `annotation ${DEPENDENCY_TIMEOUT_ANNOTATION}` }
  let best: { ms: number; source: string } | undefined
  for (const [name, { value, from }] of containerEnv(container, w.namespace, docs)) {
    if (!DEPENDENCY_TIMEOUT.test(name) || value === undefined || !/^\d+(\.\d+)?$/.test(value)) continue
    const ms = /_MS$/.test(name) ? Number(value) : Number(value) * 1000
    if (!best || ms > best.ms) best = { ms, source: `${name}=${value} (${from})` }
  }
  return best
}

export const manifestProbesCheck: Check = {
  id: 'manifest-probes',
  category: 'config',
  title: 'Manifests: liveness and readiness probes',
  description: 'Every long-running container has distinct liveness and readiness probes, liveness off dependency/LLM paths, readiness timeout above the dependency timeouts.',
  appliesTo: ['validate'],
  severity: 'fail',
  options: manifestOptions,
  run: async (ctx) =>
    runManifestRule(ctx, (set) =>
      workloads(set.docs)
        .filter((w) => !w.batch)
        .map((w) => {
          const problems: Problem[] = []
          const evidence: Record<string, unknown> = {}
          for (const c of w.containers) {
            const live = c.livenessProbe as K8sObject | undefined
            const ready = c.readinessProbe as K8sObject | undefined
            const port = c.ports?.[0]?.name ?? c.ports?.[0]?.containerPort ?? 8080
            evidence[c.name] = { liveness: describeProbe(live) ?? 'none', readiness: describeProbe(ready) ?? 'none' }
            if (!live) problems.push({ level: 'fail', text: `container ${c.name} has no livenessProbe`, fix: `containers[${c.name}].livenessProbe: { httpGet: { path: /health, port: ${port} }, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 }  # process-level only` })
            if (!ready) problems.push({ level: 'fail', text: `container ${c.name} has no readinessProbe`, fix: `containers[${c.name}].readinessProbe: { httpGet: { path: /ready, port: ${port} }, periodSeconds: 5, timeoutSeconds: 3 }  # checks dependencies` })
            if (live && ready && describeProbe(live) === describeProbe(ready)) {
              problems.push({ level: 'fail', text: `container ${c.name}: liveness and readiness probe the same thing (${describeProbe(live)})`, fix: 'Point liveness at a process-only endpoint (/health) and readiness at the dependency check (/ready): a dependency outage must remove pods from the Service, not restart them.' })
            }
            const livePath = live?.httpGet?.path as string | undefined
            if (livePath && DEPENDENT_PATH.test(livePath)) {
              problems.push({ level: 'fail', text: `container ${c.name}: liveness probes ${livePath}, which looks like a dependency or LLM check`, fix: `containers[${c.name}].livenessProbe.httpGet.path: /health  # never call the LLM or the database from liveness` })
            }
            const dep = ready ? dependencyTimeout(c, w, set.docs) : undefined
            const readyTimeoutMs = (ready?.timeoutSeconds ?? 1) * 1000
            if (dep) {
              evidence[c.name] = { ...(evidence[c.name] as object), readinessTimeoutMs: readyTimeoutMs, dependencyTimeout: dep }
              if (readyTimeoutMs <= dep.ms) {
                problems.push({ level: 'fail', text: `container ${c.name}: readiness timeout ${readyTimeoutMs}ms is not longer than the dependency timeout ${dep.ms}ms (${dep.source})`, fix: `containers[${c.name}].readinessProbe.timeoutSeconds: ${Math.ceil(dep.ms / 1000) + 1}  # above the dependency timeout, so a slow dependency reads "not ready", not "probe timed out"` })
              }
            } else if (ready && !ready.timeoutSeconds) {
              problems.push({ level: 'warn', text: `container ${c.name}: readinessProbe uses the 1 s default timeout and no dependency timeout is declared`, fix: `Set readinessProbe.timeoutSeconds above the agent's dependency-check timeout, and declare it: metadata.annotations["${DEPENDENCY_TIMEOUT_ANNOTATION}"]: 1500ms` })
            }
          }
          return toOutcome(`Manifests: probes of ${workloadName(w)}`, w, problems, `${w.containers.length} container(s): distinct liveness/readiness, liveness off dependency paths`, evidence)
        }),
    ),
}
