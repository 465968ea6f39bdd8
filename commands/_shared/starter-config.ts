import { PACKAGE_NAME } from '../../src/paths.js'

/** Without a schema path inside the project (agentctl run from a global install), say how to get one. */
const SCHEMA_HINT = `# Editor completion: \`npm i -D ${PACKAGE_NAME}\`, then make this the first line of the file:
#   # yaml-language-server: $schema=node_modules/${PACKAGE_NAME}/schemas/agentctl.schema.json`

/**
 * The commented starter agentctl.yaml that `agentctl init` writes. It loads cleanly as written (a
 * test holds it to that): every ${VAR} has a default, and sections that would probe something the
 * user may not run (NATS, Prometheus, Kubernetes) are shown commented out.
 */
export function starterConfig(schemaRef: string | undefined, opts: { protocol?: string; target?: string } = {}): string {
  const protocol = opts.protocol ?? 'agentctl'
  const own = protocol === 'agentctl'
  return `${schemaRef ? `# yaml-language-server: $schema=${schemaRef}` : SCHEMA_HINT}
# agentctl configuration. Every key is optional: a dependency left out is not probed (its checks
# skip). The values below are a typical local setup to edit, not the built-in defaults; delete
# what you do not run.
# \${VAR} reads an environment variable (an error when unset); \${VAR:-default} falls back.
# Precedence: command-line flags > AGENTCTL_* environment variables > this file > defaults.
# Secrets (API keys, passwords in URLs) are redacted from every report and log line.

# The agent under test.
target:
${targetBlock(protocol, opts.target)}
# What the agent depends on. validate and diagnose probe each one that is set.
dependencies:
  ${own ? '' : '# '}redis: \${REDIS_URL:-redis://127.0.0.1:6379}
  ${own ? '' : '# '}postgres: \${DATABASE_URL:-postgres://agentctl@127.0.0.1:5432/agentctl}
  # nats: \${NATS_URL:-nats://127.0.0.1:4222}
  # prometheus: http://127.0.0.1:9090   # enables the window-based diagnose checks (latency, errors, spend)
  llm:                   # the LLM provider, probed directly by diagnose
    baseUrl: \${LLM_BASE_URL:-https://api.openai.com/v1}   # Anthropic: https://api.anthropic.com/v1
    apiKey: \${LLM_API_KEY:-}
    model: \${LLM_MODEL:-gpt-4o-mini}
    api: chat            # the API the agent calls: chat | responses (OpenAI Responses) | messages (Anthropic)

# Where the agent runs; used by diagnose (pods, restarts, OOM kills, events).
# Uses $KUBECONFIG or ~/.kube/config, else the in-cluster service account.
# kubernetes:
#   context: prod-eu-1
#   namespace: ai-agents
#   selector: app=ai-agent     # label selector of the agent pods

# Service level objectives: the pass line for latency and errors.
slo:
  p95Ms: 5000        # 95th percentile chat latency, milliseconds
  # p99Ms: 8000
  errorRate: 0.01    # fraction of failed requests (0.01 = 1%)

# Spend limits; diagnose compares measured spend, load projects the cost at the target rate.
budget:
  dailyUsd: 500      # USD per day
  monthlyUsd: 15000  # USD per month

# USD per 1k tokens, laid over the shipped table (gpt-4o, gpt-4.1, MiniMax-M2, claude-…).
# Add your own or negotiated prices here.
pricing:
  my-finetuned-model: { inputPer1k: 0.003, outputPer1k: 0.012 }

# API key age thresholds, in days.
secrets:
  warnDays: 90       # warn when an API key is older than this
  criticalDays: 180  # fail when an API key is older than this

# validate drives the agent's LLM traffic through a mock LLM that injects faults (timeouts, 429s,
# malformed output). Point the agent's LLM_BASE_URL at http://127.0.0.1:<port>/v1 for those checks.
faults:
  mockLlm:
    host: 127.0.0.1    # where the mock LLM listens (\`agentctl mock-llm --port 4010\`; validate --self starts its own)
    port: 4010         # its port; the agent must call http://<host>:<port>/v1

# agentctl validate (the CI deploy gate).
validate:
  manifests: []          # Kubernetes manifests to lint, globs allowed: [deploy/*.yaml]
  maxRecovery: 60s       # how long the agent may take to recover after a fault clears
  repeat: 1              # run each fault scenario N times (flaky behaviour shows up at N > 1)
  # models: [gpt-4o-mini, gpt-4.1-nano]   # primary first; enables the fallback check

# agentctl diagnose (incident triage).
diagnose:
  timeout: 5s            # per-check budget; diagnose never hangs past it
  window: 5m             # look-back window for metrics-based checks

# agentctl load (capacity planning).
load:
  slo: ['p95<5000', 'error_rate<0.01']   # k6-style thresholds; a failed one exits 1
  maxRps: 2000           # safety cap on the offered rate
  maxDuration: 10m       # safety cap on the run length

# Per-check severity: off (skip it), warn (report, never fail the gate) or fail.
# \`agentctl checks\` lists the check ids, their categories and what each one judges.
checks: {}
#   tls-certificates: warn
#   nats: off
`
}

/** The target section for a protocol: the keys that protocol reads, with its usual routes. */
function targetBlock(protocol: string, url: string | undefined): string {
  const lines = [
    `  url: ${url ?? '${AGENT_URL:-http://127.0.0.1:8080}'}   # base URL; --target overrides it`,
    `  protocol: ${protocol}${' '.repeat(Math.max(1, 20 - protocol.length))}# agentctl | openai-chat | a2a | ai-sdk | http (README "Judging your agent")`,
  ]
  switch (protocol) {
    case 'openai-chat':
      lines.push('  chatPath: /v1/chat/completions # POST {model, messages[]} -> choices[0].message.content (or SSE)', '  request:', '    model: agent                 # the model field the endpoint expects')
      break
    case 'a2a':
      lines.push('  # The A2A endpoint and transport come from the agent card at /.well-known/agent-card.json.', '  # request:', '  #   cardPath: /.well-known/agent-card.json')
      break
    case 'ai-sdk':
      lines.push('  chatPath: /api/chat            # the useChat route: {messages: UIMessage[]} -> SSE UI-message stream')
      break
    case 'http':
      lines.push(
        '  chatPath: /invoke              # POST the body below',
        '  request:',
        '    body: { input: "{{message}}", session: "{{session}}" }   # placeholders are JSON-escaped',
        '    # headers: { x-tenant: sre }',
        '  response:',
        '    text: $.output               # JSONPath of the answer text',
        '    error: $.error               # JSONPath of an error inside a 2xx (a match fails the answer)',
        '    # delta: $.delta             # for an SSE answer: JSONPath of the text in each event',
      )
      break
    default:
      lines.push('  chatPath: /chat                # POST {message, session_id?} -> {response, ...}')
  }
  lines.push(
    '  healthPath: /health            # liveness: must answer even when the LLM is down',
    '  readyPath: /ready              # readiness: dependency checks (application/health+json)',
    '  metricsPath: /metrics          # Prometheus exposition',
    '  apiKey: ${AGENT_API_KEY:-}     # sent as "Authorization: Bearer …" when set',
    '  allowLoad: false               # allow `agentctl load` against a non-loopback target',
  )
  return lines.join('\n')
}
