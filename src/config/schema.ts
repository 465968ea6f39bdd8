import { z } from 'zod'
import { DURATION_PATTERN, durationIssue } from '../duration.js'
import { renderTemplate } from '../protocols/http.js'
import { PROTOCOL_IDS } from '../protocols/types.js'
import { TRACE_ID_PLACEHOLDER } from '../traces.js'

/** The agentctl.yaml schema (contract: docs/CONTRACTS.md "Config"). Strict: unknown keys are errors. */
// One grammar for every duration key (src/duration.ts): `timeout: 5` says "did you mean 5s?".
const duration = z.string({ error: (issue) => durationIssue(issue.input) }).regex(DURATION_PATTERN, { error: (issue) => durationIssue(issue.input) })
const url = z.string().regex(/^[a-z][a-z0-9+.-]*:\/\/\S+$/i, 'a URL such as http://127.0.0.1:8080')
const path = z.string().regex(/^\//, "a path starting with '/'")
const severityOverride = z.enum(['off', 'warn', 'fail'])

/** Defaults a check option shares with a config key: written once, here. */
export const DEFAULT_MAX_RECOVERY = '60s'
export const DEFAULT_DIAGNOSE_WINDOW = '5m'
// ---- h14a: target protocols (issue 14; docs/CONTRACTS.md "Target protocols") ----
const jsonPath = z.string().regex(/^\$/, "a JSONPath starting with '$', e.g. $.output.text")

function targetProtocolKeys() {
  return {
    protocol: z.enum(PROTOCOL_IDS as [string, ...string[]]).default('agentctl').describe('Wire format of the chat endpoint: agentctl | openai-chat | a2a | ai-sdk | http'),
    request: z
      .strictObject({
        headers: z.record(z.string(), z.string()).optional().describe('Extra headers on every chat request'),
        body: z.union([z.string(), z.record(z.string(), z.unknown())]).optional().describe('http: JSON body template with {{message}} and {{session}} (JSON-escaped)'),
        model: z.string().optional().describe('openai-chat: the model field to send'),
        cardPath: path.optional().describe('a2a: where the agent card is (default /.well-known/agent-card.json)'),
      })
      .optional(),
    response: z
      .strictObject({
        text: jsonPath.optional().describe('http: JSONPath of the answer text in a JSON body'),
        error: jsonPath.optional().describe('http: JSONPath of an error inside a 2xx (a match fails the answer)'),
        session: jsonPath.optional().describe('http: JSONPath of the session id to send back as {{session}}'),
        usage: jsonPath.optional().describe('http: JSONPath of the token usage object'),
        delta: jsonPath.optional().describe('http: JSONPath of the text delta in each SSE event'),
        streamError: jsonPath.optional().describe('http: JSONPath of an error in an SSE event'),
      })
      .optional(),
    framework: z
      .enum(['ai-sdk', 'langchain', 'openai-agents', 'mastra', 'a2a-js', 'other'])
      .optional()
      .describe('The framework the agent is built with, for framework-specific advice (detected when evident)'),
  }
}

type ProtocolKeys = { protocol: string; request?: { body?: unknown; model?: string; cardPath?: string }; response?: Record<string, string | undefined> }

/**
 * Combinations that cannot work are config errors before any traffic (exit 2). Keys of another
 * protocol are only unused (a config may keep them while --protocol switches): agentctl-config warns.
 */
function checkProtocolKeys(t: ProtocolKeys, ctx: z.RefinementCtx): void {
  const issue = (path: string[], message: string, fix: string) => ctx.addIssue({ code: 'custom', path, message, params: { fix } })
  const p = t.protocol
  if (p !== 'http') return
  if (!t.response?.text && !t.response?.delta) {
    issue(['response'], 'protocol http needs to know where the answer text is', "set target.response.text (a JSONPath into a JSON answer, e.g. '$.output') and/or target.response.delta (into each SSE event)")
  }
  const body = t.request?.body
  if (body === undefined) return
  if (!JSON.stringify(body).includes('{{message}}')) issue(['request', 'body'], 'the body template has no {{message}} placeholder', 'put "{{message}}" where the user message goes, e.g. { input: "{{message}}" }')
  if (typeof body === 'string') {
    try {
      JSON.parse(renderTemplate(body, { message: 'x', session: 's' }))
    } catch {
      issue(['request', 'body'], 'the body template is not JSON once its placeholders are filled', 'write it as a YAML mapping, or as JSON text with the placeholders inside quotes: \'{"input": "{{message}}"}\'')
    }
  }
}
/** Keys set for another protocol than the one in use: ignored, and said so by agentctl-config. */
export function unusedProtocolKeys(t: ProtocolKeys): Array<{ path: string; usedBy: string }> {
  const unused: Array<{ path: string; usedBy: string }> = []
  if (t.request?.body !== undefined && t.protocol !== 'http') unused.push({ path: 'target.request.body', usedBy: 'http' })
  if (t.request?.model !== undefined && t.protocol !== 'openai-chat') unused.push({ path: 'target.request.model', usedBy: 'openai-chat' })
  if (t.request?.cardPath !== undefined && t.protocol !== 'a2a') unused.push({ path: 'target.request.cardPath', usedBy: 'a2a' })
  if (t.response !== undefined && t.protocol !== 'http') unused.push({ path: 'target.response', usedBy: 'http' })
  return unused
}
// ---- end h14a ----

export const TargetSchema = z.strictObject({
  url: url.default('http://127.0.0.1:8080').describe('Base URL of the agent under test'),
  chatPath: path.default('/chat'),
  healthPath: path.default('/health').describe('Liveness endpoint; must not depend on the LLM'),
  readyPath: path.default('/ready').describe('Readiness endpoint, application/health+json'),
  metricsPath: path.default('/metrics'),
  apiKey: z.string().optional().describe('Bearer token for the agent API (use ${AGENT_API_KEY})'),
  allowLoad: z.boolean().default(false).describe('Allow `agentctl load` against a non-loopback target'),
  // h16 (load): streamed answers.
  stream: z.boolean().default(false).describe('Ask the target for streamed (SSE) answers; `agentctl load` then measures TTFT, inter-token latency and tokens/s'),
  // issue 19: findings link the traces of the chats behind them.
  traceUrl: url
    .refine((u) => u.includes(TRACE_ID_PLACEHOLDER), { error: `a URL template containing ${TRACE_ID_PLACEHOLDER}`, params: { fix: `put ${TRACE_ID_PLACEHOLDER} where the trace id goes, e.g. http://127.0.0.1:16686/trace/${TRACE_ID_PLACEHOLDER} (Jaeger)` } })
    .optional()
    .describe('Link to one trace in your tracing backend, with {traceId}, e.g. http://127.0.0.1:16686/trace/{traceId}: findings link the traces of the chats behind them'),
  ...targetProtocolKeys(),
}).superRefine(checkProtocolKeys)

export const LlmSchema = z.strictObject({
  baseUrl: url.describe('The provider API base under which /chat/completions, /responses or /messages lives, e.g. https://api.openai.com/v1 (Anthropic: https://api.anthropic.com/v1)'),
  apiKey: z.string().optional(),
  model: z.string().optional(),
  // h15 (issue 15): the API the agent calls on this provider; llm-endpoint probes exactly that one.
  api: z
    .enum(['chat', 'responses', 'messages'])
    .default('chat')
    .describe('The LLM API the agent calls: chat (POST /chat/completions), responses (POST /responses, OpenAI Responses) or messages (POST /messages, Anthropic)'),
})

export const ConfigSchema = z.strictObject({
  $schema: z.string().optional(),
  target: TargetSchema.prefault({}),
  dependencies: z
    .strictObject({
      redis: url.optional(),
      postgres: url.optional(),
      prometheus: url.optional(),
      nats: url.optional(),
      llm: LlmSchema.optional(),
    })
    .prefault({}),
  kubernetes: z
    .strictObject({
      kubeconfig: z.string().optional().describe('Path to a kubeconfig; default $KUBECONFIG or ~/.kube/config, then in-cluster'),
      context: z.string().optional(),
      namespace: z.string().default('default'),
      selector: z.string().optional().describe('Label selector of the agent pods, e.g. app=ai-agent'),
    })
    .optional(),
  slo: z
    .strictObject({
      p95Ms: z.number().positive().default(5000),
      p99Ms: z.number().positive().optional(),
      errorRate: z.number().min(0).max(1).default(0.01),
    })
    .prefault({}),
  budget: z
    .strictObject({ dailyUsd: z.number().nonnegative().optional(), monthlyUsd: z.number().nonnegative().optional() })
    .prefault({}),
  pricing: z
    .record(z.string(), z.strictObject({ inputPer1k: z.number().nonnegative(), outputPer1k: z.number().nonnegative() }))
    .optional()
    .describe('USD per 1k tokens by model; merged over the shipped table (fixtures/pricing.json)'),
  secrets: z
    .strictObject({ warnDays: z.number().int().positive().default(90), criticalDays: z.number().int().positive().default(180) })
    .prefault({}),
  faults: z
    .strictObject({
      mockLlm: z
        .strictObject({ port: z.number().int().min(0).max(65535).default(4010), host: z.string().default('127.0.0.1') })
        .prefault({}),
    })
    .prefault({}),
  validate: z
    .strictObject({
      manifests: z.array(z.string()).default([]).describe('Kubernetes manifests (globs) to lint'),
      maxRecovery: duration.default(DEFAULT_MAX_RECOVERY),
      repeat: z.number().int().positive().default(1),
      models: z.array(z.string()).optional().describe('Model names the agent uses, primary first (for the fallback check)'),
    })
    .prefault({}),
  diagnose: z.strictObject({ timeout: duration.default('5s'), window: duration.default(DEFAULT_DIAGNOSE_WINDOW) }).prefault({}),
  load: z
    .strictObject({
      slo: z.array(z.string()).default([]).describe("k6-style thresholds, e.g. 'p95<5000'"),
      maxRps: z.number().positive().default(2000),
      maxDuration: duration.default('10m'),
    })
    .prefault({}),
  checks: z.record(z.string(), severityOverride).default({}).describe('Per-check severity: off | warn | fail'),
})

export type AgentctlConfig = z.output<typeof ConfigSchema>
export type AgentctlConfigInput = z.input<typeof ConfigSchema>

export function configJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(ConfigSchema, { io: 'input', unrepresentable: 'any' }),
    $id: 'https://agentctl.dev/schemas/agentctl.schema.json',
    title: 'agentctl.yaml',
  }
}
