import { z } from 'zod'

/** The agentctl.yaml schema (contract: docs/CONTRACTS.md "Config"). Strict: unknown keys are errors. */
const duration = z.string().regex(/^\d+(\.\d+)?(ms|s|m|h)$/, 'a duration such as 250ms, 5s or 2m')
const url = z.string().regex(/^[a-z][a-z0-9+.-]*:\/\/\S+$/i, 'a URL such as http://127.0.0.1:8080')
const path = z.string().regex(/^\//, "a path starting with '/'")
const severityOverride = z.enum(['off', 'warn', 'fail'])

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
})

export const LlmSchema = z.strictObject({
  baseUrl: url.describe('OpenAI-compatible base URL, e.g. https://api.openai.com/v1'),
  apiKey: z.string().optional(),
  model: z.string().optional(),
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
      maxRecovery: duration.default('60s'),
      repeat: z.number().int().positive().default(1),
      models: z.array(z.string()).optional().describe('Model names the agent uses, primary first (for the fallback check)'),
    })
    .prefault({}),
  diagnose: z.strictObject({ timeout: duration.default('5s'), window: duration.default('5m') }).prefault({}),
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
