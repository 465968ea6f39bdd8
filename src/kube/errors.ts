import type { CheckOutcome } from '../check.js'
import { ruleYaml, splitResource } from './rbac.js'
import type { KubeTarget } from './resolve.js'

/** A failed Kubernetes API call, with what was attempted so the finding can name the RBAC verb. */
export class KubeError extends Error {
  constructor(
    message: string,
    readonly verb: string,
    /** kubectl resource name: pods, secrets, networkpolicies.networking.k8s.io, ... */
    readonly resource: string,
    readonly status?: number,
    readonly kind: 'http' | 'network' | 'timeout' | 'config' = 'http',
  ) {
    super(message)
    this.name = 'KubeError'
  }
}

export function toKubeError(error: unknown, verb: string, resource: string, timeoutMs: number, signal: AbortSignal): KubeError {
  if (error instanceof KubeError) return error
  if (signal.aborted) return new KubeError(`the API server did not answer within ${timeoutMs}ms`, verb, resource, undefined, 'timeout')
  const e = error as { code?: unknown; body?: unknown; message?: string; cause?: { code?: string; message?: string } }
  if (typeof e.code === 'number') {
    const body = typeof e.body === 'string' ? safeMessage(e.body) : (e.body as { message?: string } | undefined)?.message
    return new KubeError(`HTTP ${e.code}${body ? `: ${body}` : ''}`, verb, resource, e.code)
  }
  const cause = e.cause?.code ?? e.cause?.message
  return new KubeError(`cannot reach the API server: ${e.message ?? String(error)}${cause ? ` (${cause})` : ''}`, verb, resource, undefined, 'network')
}

function safeMessage(body: string): string | undefined {
  try {
    return (JSON.parse(body) as { message?: string }).message
  } catch {
    return body.slice(0, 200) || undefined
  }
}

function ctxFlag(t: KubeTarget): string {
  return t.context ? ` --context ${t.context}` : ''
}

/** A Kubernetes failure as a finding: which permission is missing, with the command that shows it. */
export function kubeFailureOutcome(error: unknown, target: KubeTarget): CheckOutcome {
  const err = error instanceof KubeError ? error : new KubeError(error instanceof Error ? error.message : String(error), 'list', 'pods')
  const ns = target.namespace
  const can = `kubectl${ctxFlag(target)} auth can-i ${err.verb} ${err.resource} -n ${ns}`
  const evidence = { namespace: ns, context: target.context ?? (target.inCluster ? 'in-cluster' : 'current'), request: `${err.verb} ${err.resource}`, error: err.message }
  if (err.status === 403) {
    // The API server names the identity it refused ("User \"system:serviceaccount:ops:agentctl\" cannot list ...").
    const identity = /User "([^"]+)"/.exec(err.message)?.[1]
    const sa = identity ? /^system:serviceaccount:([^:]+):(.+)$/.exec(identity) : null
    const subject = sa ? `--serviceaccount=${sa[1]}:${sa[2]}` : `--user=${identity ?? '<you>'}`
    const name = `agentctl-${err.verb}-${splitResource(err.resource).plural}`
    const asFlag = identity ? ` --as=${identity}` : ''
    const optOut = err.resource === 'secrets' ? `\nOr keep secret values out of agentctl's reach and turn the check off in agentctl.yaml: checks: { secret-age: off }.` : ''
    return {
      status: 'error',
      message: `RBAC forbids \`${err.verb} ${err.resource}\` in namespace ${ns} for ${identity ?? "agentctl's identity"}: this check could not judge`,
      evidence: { ...evidence, ...(identity ? { identity } : {}), missingRule: ruleYaml(err.verb, err.resource) },
      remediation:
        `Add this rule to the Role bound to ${identity ?? "agentctl's identity"} (deploy/diagnose/rbac.yaml is diagnose's whole least-privilege Role):\n${ruleYaml(err.verb, err.resource)}\n` +
        `or: kubectl -n ${ns} create role ${name} --verb=${err.verb} --resource=${err.resource} && kubectl -n ${ns} create rolebinding ${name} --role=${name} ${subject}\n` +
        `Check: ${can}${asFlag}${optOut}`,
    }
  }
  if (err.status === 401) {
    return { status: 'error', message: `the API server rejected agentctl's credentials (401) for \`${err.verb} ${err.resource}\``, evidence, remediation: `Refresh the credentials of the context, then check: kubectl${ctxFlag(target)} auth whoami && ${can}` }
  }
  if (err.kind === 'config') return { status: 'error', message: err.message, evidence, remediation: `List the contexts: kubectl config get-contexts${target.kubeconfig ? ` --kubeconfig ${target.kubeconfig}` : ''}` }
  return { status: 'error', message: `${err.verb} ${err.resource} in ${ns} failed: ${err.message}`, evidence, remediation: `Check the API server answers: kubectl${ctxFlag(target)} cluster-info && kubectl${ctxFlag(target)} -n ${ns} get ${err.resource.split('.')[0]}` }
}
