import type { AgentctlConfig } from '../config/schema.js'
import { shellQuote } from './endpoint.js'
import type { DependencySpec } from './remediation.js'

/** How failures of the agent's own endpoints are worded: kubectl when Kubernetes is configured. */
export function agentSpec(config: AgentctlConfig, url: string): DependencySpec {
  const kube = config.kubernetes
  const selector = kube?.selector ? `-l ${shellQuote(kube.selector)}` : ''
  return {
    name: 'the agent',
    service: 'the agent',
    configKey: 'target.url',
    envVar: 'AGENTCTL_TARGET_URL, or --target',
    cliCommand: () => `curl -sS -m 5 -i ${shellQuote(url)}`,
    statusCommand: kube ? `kubectl get pods -n ${kube.namespace} ${selector}`.trim() : 'ps aux | grep -i agent',
    logsCommand: kube ? `kubectl logs -n ${kube.namespace} ${selector || 'deploy/<agent>'} --tail=50`.trim() : 'journalctl -u <agent-unit> -n 50` or `docker logs --tail 50 <agent-container>',
  }
}

/** Health endpoints are usually open, but a gateway in front may want the API key. */
export function agentHeaders(config: AgentctlConfig): Record<string, string> {
  return { accept: 'application/health+json, application/json;q=0.9, */*;q=0.5', ...(config.target.apiKey ? { authorization: `Bearer ${config.target.apiKey}` } : {}) }
}

export function joinUrl(base: string, path: string): string {
  return base.replace(/\/+$/, '') + (path.startsWith('/') ? path : `/${path}`)
}
