import { Flags } from '@oclif/core'
import { parseDurationRange } from '../src/duration.js'
import { AgentctlError, ExitCode } from '../src/exit-codes.js'
import { SCENARIO_NAMES, SCENARIOS } from '../harness/mock-llm/catalogue.js'
import { ReportingCommand } from './_shared/base.js'

const width = Math.max(...SCENARIO_NAMES.map((n) => n.length))
const scenarioLines = SCENARIOS.map((s) => `  ${s.name.padEnd(width)}  ${s.summary}`).join('\n')
const validList = `valid scenarios: ${SCENARIO_NAMES.join(', ')}`

export default class MockLlm extends ReportingCommand {
  // It serves until stopped; there is no report to print as JSON.
  static enableJsonFlag = false
  static summary = 'Run a mock LLM (OpenAI chat and Responses, Anthropic Messages) with injectable faults'
  static description = `Serves POST /v1/chat/completions, POST /v1/responses (OpenAI Responses) and POST /v1/messages (Anthropic Messages) — JSON and SSE, tool calls, usage — and GET /v1/models on loopback, answering deterministically for a --seed; every scenario works in all three formats. Point your agent at it (OpenAI SDKs: LLM_BASE_URL / OPENAI_BASE_URL = <url>/v1; Anthropic SDKs: ANTHROPIC_BASE_URL = <url>) and switch faults at runtime through the control API: PUT /__mock/scenario {"name": "rate-limited", "retryAfterMs": 2000}, GET /__mock/stats, POST /__mock/reset. Other routes are logged and answered 404.

Scenarios (every one accepts model, probability and count):
${scenarioLines}`
  static examples = [
    '<%= config.bin %> mock-llm --port 4010',
    '<%= config.bin %> mock-llm --scenario slow --params \'{"p50Ms": 800, "p95Ms": 3000}\'',
    '<%= config.bin %> mock-llm --latency 800ms..2s --seed 7 --scripts fixtures/scripts/support.yaml',
    'curl -X PUT localhost:4010/__mock/scenario -d \'{"name":"error-storm","model":"gpt-4o","count":3}\'',
  ]
  static flags = {
    port: Flags.integer({ description: 'port to listen on (0 = a free port)', default: 4010, min: 0, max: 65535 }),
    host: Flags.string({ description: 'interface to bind', default: '127.0.0.1' }),
    scenario: Flags.string({ description: `initial scenario (${SCENARIO_NAMES.join(', ')})`, default: 'healthy' }),
    params: Flags.string({ description: 'initial scenario params as JSON, e.g. \'{"retryAfterMs": 2000}\'' }),
    latency: Flags.string({ description: 'base latency for every completion: 300ms or a range 800ms..2s' }),
    seed: Flags.integer({ description: 'seed for deterministic answers, jitter and probabilities', default: 42 }),
    scripts: Flags.string({ description: 'script fixtures (YAML or JSON): user message pattern -> replies' }),
    models: Flags.string({ description: 'models listed by GET /v1/models (comma-separated; any name is accepted)' }),
  }

  async run(): Promise<void> {
    const { flags } = await this.parse(MockLlm)
    if (!SCENARIO_NAMES.includes(flags.scenario)) throw new AgentctlError(`unknown scenario "${flags.scenario}"`, ExitCode.UsageOrInternal, validList)
    const latency = flags.latency ? parseDurationRange(flags.latency, '--latency') : undefined
    const params = parseParams(flags.params)
    // Lazy: msw, the tokenizer and zod load only when the mock really starts.
    const { startMockLlmServer } = await import('../harness/mock-llm/server.js')
    const { loadScriptFixtures } = await import('../harness/mock-llm/scripts-file.js')
    const { ScenarioError } = await import('../harness/mock-llm/faults/index.js')
    let scripts
    try {
      scripts = flags.scripts ? loadScriptFixtures(flags.scripts) : undefined
    } catch (error) {
      throw new AgentctlError((error as Error).message, ExitCode.UsageOrInternal, 'a scripts file is a list of {match, replies: [{content} | {tool_calls: [{name, arguments}]}]}')
    }
    let server
    try {
      server = await startMockLlmServer({
        port: flags.port, host: flags.host, scenario: flags.scenario, scenarioParams: params, latency, seed: flags.seed, scripts,
        models: flags.models?.split(',').map((m) => m.trim()).filter(Boolean),
      })
    } catch (error) {
      if (error instanceof ScenarioError) throw new AgentctlError(error.message, ExitCode.UsageOrInternal, error.message.startsWith('unknown') ? validList : 'see `agentctl mock-llm --help` for each scenario and its params')
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'EADDRINUSE') throw new AgentctlError(`port ${flags.port} on ${flags.host} is already in use`, ExitCode.UsageOrInternal, 'pick another --port, or --port 0 for a free one')
      if (code === 'EADDRNOTAVAIL' || code === 'EACCES') throw new AgentctlError(`cannot listen on ${flags.host}:${flags.port} (${code})`, ExitCode.UsageOrInternal, 'use --host 127.0.0.1 and a port above 1024')
      throw error
    }
    this.log(`mock LLM listening on ${server.url} (scenario ${flags.scenario}, seed ${flags.seed}${flags.latency ? `, latency ${flags.latency}` : ''})`)
    this.log(`  export LLM_BASE_URL=${server.baseUrl}    # OpenAI SDKs (chat completions, responses)`)
    this.log(`  export ANTHROPIC_BASE_URL=${server.url}    # Anthropic SDKs (messages)`)
    this.log(`  control: PUT ${server.url}/__mock/scenario · GET ${server.url}/__mock/stats · POST ${server.url}/__mock/reset`)
    const signal = await new Promise<string>((resolve) => {
      process.once('SIGINT', () => resolve('SIGINT'))
      process.once('SIGTERM', () => resolve('SIGTERM'))
    })
    await server.close()
    const stats = server.stats()
    const perApi = Object.entries(stats.byApi).map(([api, n]) => `${api} ${n}`).join(', ')
    this.log(`mock LLM stopped (${signal}); served ${stats.total} completions${perApi ? ` (${perApi})` : ''}`)
  }
}

function parseParams(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw new AgentctlError(`--params is not valid JSON: ${text}`, ExitCode.UsageOrInternal, 'quote it for the shell: --params \'{"retryAfterMs": 2000}\'')
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new AgentctlError('--params must be a JSON object', ExitCode.UsageOrInternal)
  return value as Record<string, unknown>
}
