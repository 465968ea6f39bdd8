import type { CheckOutcome } from '../check.js'
import type { ClassifiedError } from './errors.js'
import { type Endpoint, shellQuote } from './endpoint.js'

/** What a check tells us about its dependency so failures can be worded precisely. */
export interface DependencySpec {
  /** "Redis", "PostgreSQL"... */
  name: string
  /** Process or unit an operator would look for: "redis-server", "postgresql". */
  service: string
  /** Where it is configured, for "fix the URL" advice. */
  configKey: string
  envVar: string
  /** A one-line client command that reproduces the probe. */
  cliCommand: (ep: Endpoint) => string
  /** Dependency-specific advice for rejected credentials. */
  authAdvice?: (ep: Endpoint, error: ClassifiedError) => { message: string; remediation: string }
  /** How to see whether it runs and read its logs; default systemctl/journalctl for `service` ('' = no logs hint). */
  statusCommand?: string
  logsCommand?: string
  /** Kubernetes namespace from config, for kubectl hints. */
  namespace?: string
}

export interface FailureContext {
  budgetMs: number
  /** Did the TCP connection open? Tells "blackholed" from "accepted, then silent". */
  connected?: boolean
  /** First bytes the server sent, for wrong-protocol messages. */
  firstBytes?: string
}

/** Maps a classified probe error to a finding with a precise message and ready commands. */
export function failureOutcome(spec: DependencySpec, ep: Endpoint, error: ClassifiedError, fx: FailureContext, evidence: Record<string, unknown> = {}): CheckOutcome {
  const { name, service } = spec
  const kube = spec.namespace ? ` In Kubernetes: \`kubectl get pods,svc,endpoints -n ${spec.namespace} | grep -i ${service.split('-')[0]}\`.` : ''
  const fixUrl = `check ${spec.configKey} in agentctl.yaml (or ${spec.envVar})`
  const cli = spec.cliCommand(ep)
  const status = spec.statusCommand ?? `systemctl status ${service}`
  const logs = spec.logsCommand ?? `journalctl -u ${service} -n 50`
  let message: string
  let remediation: string
  switch (error.kind) {
    case 'refused':
      message = `connection refused at ${ep.hostPort} — is ${service} running?`
      remediation = `\`${status}\` / \`${cli}\`; if it runs elsewhere, ${fixUrl}.${kube}`
      break
    case 'timeout':
      if (fx.connected === false) {
        message = `TCP connect to ${ep.hostPort} did not complete within ${fx.budgetMs}ms — traffic is dropped (firewall, NetworkPolicy, security group) or the host is down`
        remediation = `\`nc -vz -w 2 ${ep.host} ${ep.port}\` from this host; check firewall rules and NetworkPolicies.${kube}`
      } else {
        message =
          fx.connected === true
            ? `${ep.hostPort} accepted the connection but ${name} never answered within ${fx.budgetMs}ms — the server is hung or overloaded`
            : `no answer from ${name} at ${ep.hostPort} within ${fx.budgetMs}ms — the server is hung or overloaded, or traffic is blackholed`
        remediation = `\`${cli}\`; ${logs ? `look at its logs and CPU (\`${logs}\`); ` : ''}restart it if it stays hung. \`nc -vz -w 2 ${ep.host} ${ep.port}\` tells a dropped connection from a silent server.${kube}`
      }
      break
    case 'dns':
      message = `cannot resolve host "${ep.host}" — typo in the URL, or the DNS name does not exist from here`
      remediation = `\`getent hosts ${shellQuote(ep.host)}\`; ${fixUrl}.${spec.namespace ? ` Service names: \`kubectl get svc -n ${spec.namespace}\`.` : ''}`
      break
    case 'reset':
      message = `${ep.hostPort} closed the connection during the handshake — ${service} may be at its connection limit, restarting, or expecting TLS`
      remediation = `\`${cli}\`; ${logs ? `check its logs (\`${logs}\`); ` : ''}if the server requires TLS, use the TLS URL scheme.`
      break
    case 'protocol':
      message = `${ep.hostPort} answered, but not as ${name}${fx.firstBytes ? ` (got "${fx.firstBytes}")` : ''} — another service listens on this port`
      remediation = `\`ss -ltnp 'sport = :${ep.port}'\` shows which process owns the port; ${fixUrl}.`
      break
    case 'tls':
      message = `TLS handshake with ${ep.hostPort} failed: ${error.code ?? error.detail}`
      remediation = `\`openssl s_client -connect ${ep.host}:${ep.port} -servername ${ep.host} </dev/null\` shows the certificate chain; use a TLS scheme only if the server speaks TLS.`
      break
    case 'auth': {
      const advice = spec.authAdvice?.(ep, error)
      message = advice?.message ?? `${name} rejected the credentials (${error.detail})`
      remediation = advice?.remediation ?? `put the right credentials in ${spec.configKey} (use \${ENV} interpolation), then \`${cli}\``
      break
    }
    case 'unreachable':
      message = `no route to ${ep.hostPort} (${error.code ?? error.detail})`
      remediation = `\`ip route get ${shellQuote(ep.host)}\`; check the network path and ${spec.configKey}.`
      break
    default:
      message = `${name} probe failed: ${error.detail}`
      remediation = `\`${cli}\` reproduces the probe; attach its output and the JSON report when escalating.`
  }
  return {
    status: 'fail',
    message,
    remediation,
    evidence: { target: ep.display, error: error.kind, detail: error.detail, ...(error.code ? { code: error.code } : {}), ...(fx.firstBytes ? { firstBytes: fx.firstBytes } : {}), ...evidence },
  }
}

/** The finding for an unconfigured dependency: a skip that says how to configure it. */
export function notConfigured(name: string, configKey: string, envVar: string, example: string): CheckOutcome {
  return { status: 'skip', message: `${name} not configured — set ${configKey}: ${example} in agentctl.yaml or ${envVar}`, evidence: { configKey, envVar } }
}
