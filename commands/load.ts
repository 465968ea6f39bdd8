import { randomUUID } from 'node:crypto'
import { Flags } from '@oclif/core'
import { DEFAULT_CONFIG_FILE } from '../src/config/load.js'
import type { AgentctlConfig } from '../src/config/schema.js'
import { AgentctlError, ExitCode } from '../src/exit-codes.js'
import { parseTolerance, readBaseline } from '../src/load/baseline.js'
import { describePlan, progressText, stepText } from '../src/load/format.js'
import { type LoadPlan, type MockLlmPlan, resolvePlan } from '../src/load/plan.js'
import type { TargetProtocol } from '../src/protocols/types.js'
import { assertLoadAllowed } from '../src/load/safety.js'
import { redact, registerSecret } from '../src/redact.js'
import { displayUrl } from '../src/probes/endpoint.js'
import type { NetErrorKind } from '../src/probes/errors.js'
import type { Report } from '../src/report.js'
import { commonFlags, ReportingCommand } from './_shared/base.js'
import { exitGraceMs } from './_shared/exit-guard.js'
import { requireReachable } from './_shared/reachable.js'
import { createProgress, progressEnabled } from './_shared/progress.js'

/** A decimal flag: an LLM agent's capacity is often a handful of requests per second, or less. */
const decimal = Flags.custom<number>({
  parse: async (input) => {
    const n = Number(input)
    if (!Number.isFinite(n)) throw new Error(`expected a number, got "${input}"`)
    return n
  },
})

export default class Load extends ReportingCommand {
  static summary = 'Load test an agent: SLO gates, the sustainable rate per replica, and what it costs'
  static description = `Closed model (--connections: N virtual users, each sending when its last answer was read), or open model (--rate, latency measured from the intended send time, so coordinated omission cannot hide a stall). --find-capacity searches for the maximum sustainable rate in about 3 minutes (--max-duration, default 2m45s): a probe, doubling rates until a step breaks the SLO, bisection to --resolution, a confirmation step; it reports the bracket (held X, broke at Y), the knee, and replicas for --target-rps, and says "at least X" (warn) when it could not close the bracket. --step-rps runs the slow exhaustive linear ramp instead. --stream (or target.stream) asks for streamed answers and reports TTFT, inter-token latency and tokens/s, in every mode (--connections N --stream: at N concurrent users). SLOs are k6-style thresholds (--slo 'p95<5s' --slo 'error_rate<1%' --slo 'ttft_p95<800ms'; k6's 'p(95)<500' and 'http_req_failed: rate<0.01' too). Flags that do not apply to the chosen mode are refused (exit 2). Refuses non-loopback targets unless --allow-remote. --baseline compares like with like: a capacity search on its sustainable rate, an open or closed run on latency, error rate and throughput; a baseline of another model (or another --rate) is refused. Shares (--tolerance, --headroom) are a percentage with % (10%) or a fraction below 1 (0.1); a bare 1 is refused as ambiguous. Exit 0 all thresholds held, 1 a threshold (or a baseline comparison) failed, 2 usage or config error, 130 interrupted by Ctrl-C (the partial report is still written).`
  static examples = [
    "<%= config.bin %> load --self --find-capacity --slo 'p95<5s' --target-rps 50",
    '<%= config.bin %> load --target http://127.0.0.1:4010 --protocol openai-chat --path /v1/chat/completions --stream --rate 5 --duration 20s',
    "<%= config.bin %> load --rate 20 --duration 1m --slo 'p95<5s' --slo 'error_rate<1%' -o load.json -o load.html",
    '<%= config.bin %> load --connections 50 --duration 30s --sessions fixtures/prompts/sessions.jsonl',
    '<%= config.bin %> load --target http://127.0.0.1:4010 --protocol openai-chat --path /v1/chat/completions --stream --connections 8 --duration 20s',
    "<%= config.bin %> load --method GET --path /health --rate 500 --slo 'p99<50'",
    '<%= config.bin %> load --rate 20 --baseline last-release.json --tolerance 10%',
  ]
  static flags = {
    ...commonFlags,
    self: Flags.boolean({ description: 'start the bundled reference agent wired to the mock LLM and load it (implies --mock-llm)' }),
    'mock-llm': Flags.string({ description: "start the harness mock LLM: 'latency=800ms..2s[,scenario=NAME,<its params>,seed=N]' (on faults.mockLlm.port unless --self)" }),
    rate: decimal({ description: 'open model: offered requests per second' }),
    connections: Flags.integer({ description: 'closed model: concurrent connections (virtual users); open model: the in-flight cap (at most --max-connections)' }),
    duration: Flags.string({ description: 'measured window, e.g. 30s (default 30s)' }),
    warmup: Flags.string({ description: 'warm-up before each measured window, excluded from results (default 3s; the adaptive capacity search: at least 2s, grown to one latency)' }),
    timeout: Flags.string({ description: 'per-request timeout, also the drain after the window; counts toward load.maxDuration (default 60s)' }),
    'find-capacity': Flags.boolean({ description: 'search for the maximum sustainable rate (adaptive; at most --max-duration)' }),
    'start-rps': decimal({ description: 'capacity search: first step, and the floor (default: half the throughput closed-model bursts measure)' }),
    'step-rps': decimal({ description: 'capacity search: run the slow exhaustive linear ramp, adding this rate per step' }),
    'step-duration': Flags.string({ description: 'capacity search: shortest measured window per step (adaptive default 5s, grown with latency; linear 10s)' }),
    'max-rps': decimal({ description: 'capacity search: highest rate tried (default load.maxRps)' }),
    resolution: Flags.string({ description: 'capacity search: narrow until broke/held - 1 is at most this (default 10%)' }),
    'max-duration': Flags.string({ description: 'capacity search: time budget (default 2m45s, at most load.maxDuration)' }),
    stream: Flags.boolean({ description: 'ask for streamed answers and report TTFT, inter-token latency and tokens/s (also target.stream)' }),
    protocol: Flags.string({ options: ['agentctl', 'openai-chat', 'a2a', 'ai-sdk', 'http'], description: 'wire format of the chat endpoint (overrides target.protocol)' }),
    'max-connections': Flags.integer({ description: 'upper bound on connections: --connections, and the open model per step (default 1000)' }),
    'target-rps': decimal({ description: 'traffic to plan for: replicas needed and the projected $/day' }),
    headroom: Flags.string({ description: 'spare capacity when sizing replicas: 30% or 0.3 (default 30%)' }),
    slo: Flags.string({ multiple: true, description: "threshold, repeatable: 'p95<5000', 'p99<2s', 'error_rate<0.01', 'rps>=20' (default load.slo, then slo.p95Ms/errorRate)" }),
    'abort-on-fail': Flags.boolean({ description: 'stop as soon as a threshold fails (checked every second after the first 2 s)' }),
    baseline: Flags.string({ description: 'a previous JSON report: fail on regressions beyond --tolerance' }),
    tolerance: Flags.string({ description: 'allowed regression against --baseline: 10% or 0.1 (default 10%)' }),
    prompts: Flags.string({ description: 'prompts file (.txt one per line, or .jsonl with "message"), rotated' }),
    sessions: Flags.string({ description: 'multi-turn sessions (.jsonl, {"turns": [...]}) replayed in order, each continuing the session_id of its first answer' }),
    method: Flags.string({ description: 'HTTP method (default POST)' }),
    path: Flags.string({ description: 'request path (default target.chatPath)' }),
    body: Flags.string({ description: 'a fixed request body (instead of prompts)' }),
    header: Flags.string({ multiple: true, description: "extra header, repeatable: 'Name: value'" }),
    'allow-remote': Flags.boolean({ description: 'allow a non-loopback target (also target.allowLoad: true)' }),
  }

  async run(): Promise<Report> {
    const { flags } = await this.parse(Load)
    const startedAt = new Date()
    const loaded = this.loadConfig(flags, { 'target.protocol': flags.protocol, ...(flags.stream ? { 'target.stream': true } : {}) })
    // --self: the reference agent gets a throwaway key, known now so the plan carries it.
    const selfKey = flags.self ? `agentctl-self-${randomUUID()}` : undefined
    if (selfKey) registerSecret(selfKey)
    const config = selfKey ? { ...loaded.config, target: { ...loaded.config.target, apiKey: selfKey } } : loaded.config
    // Everything the user can get wrong fails here, before any server starts or any byte is sent.
    const plan = resolvePlan({ ...flags, stream: flags.stream || undefined }, config, flags.config ?? DEFAULT_CONFIG_FILE)
    if (plan.mockLlm?.scenario) await assertScenarioParams(plan.mockLlm)
    const tolerance = parseTolerance(flags.tolerance ?? '10%')
    const baseline = flags.baseline ? { file: flags.baseline, tolerance, load: readBaseline(flags.baseline, plan) } : undefined
    if (!flags.self) await assertLoadAllowed(config.target.url, plan.allowRemote)
    const [{ buildWorkload }, { runLoad }] = await Promise.all([import('../harness/load/execute.js'), import('./_jobs/load.js')])
    // Reads the prompts/sessions files now, so a malformed line fails before any server starts.
    buildWorkload(plan)

    const stopping: Array<() => Promise<void>> = []
    this.exitGuardMs = exitGraceMs(plan.timeoutMs) // the base command's guard, should a socket outlive the run
    const signal = this.interruptSignal('\nload: interrupted — stopping and writing the partial report (Ctrl-C again to leave now)')
    const progress = createProgress({ enabled: progressEnabled({ json: this.jsonEnabled() }) })
    try {
      const { targetUrl, mockNote } = await this.startServers(plan, config, stopping)
      const origin = new URL(targetUrl).origin
      // Nothing listening is a setup error (exit 2), not 30 s of refused sends judged as the agent's
      // failure. A hung or resetting agent is load's to judge: its timeouts are the verdict.
      const nothingListens: NetErrorKind[] = ['refused', 'dns', 'unreachable', 'tls', 'unknown']
      if (!flags.self) await requireReachable(new URL(config.target.healthPath, targetUrl).toString(), Math.min(2000, plan.timeoutMs), 'start the agent, or point --target (target.url) at it; --self loads the bundled reference agent', nothingListens)
      const protocol = await chatProtocol(plan, config, targetUrl, flags.protocol !== undefined)
      const workload = buildWorkload(plan, protocol)
      const source = plan.promptsFile ?? plan.sessionsFile
      if (!this.jsonEnabled()) this.logToStderr(describePlan({ ...plan, path: workload.requestPath }, redact(origin), `${workload.kind}${source ? ` from ${source}` : ''}`, mockNote))

      let stepPrefix = ''
      const report = await runLoad({
        plan,
        workload,
        config,
        origin,
        baseline,
        protocol,
        version: this.config.version,
        target: displayUrl(origin),
        startedAt,
        signal,
        events: {
          onProgress: (p) => progress.line(progressText(stepPrefix, { elapsedS: p.elapsedS, rps: p.last.rps, p95: p.total.latencyMs.p95, errors: p.last.errors, totalErrors: p.total.errors, requests: p.total.requests })),
          onStepStart: (rps, index, connections) => {
            stepPrefix = `step ${index + 1} · ${rps} rps offered (${connections} conns) · `
            progress.line(`${stepPrefix}warming up…`)
          },
          onStepDone: (step) => {
            progress.done()
            if (!this.jsonEnabled() && progressEnabled()) this.logToStderr(stepText(step))
          },
        },
      })
      progress.done()
      // A run cut short by Ctrl-C has no verdict: it must never pass a gate (130).
      return await this.finish(report, flags, { interrupted: signal.aborted })
    } finally {
      progress.done()
      for (const stop of stopping.reverse()) await stop().catch(() => undefined)
    }
  }

  /** --self: the reference agent + mock LLM; --mock-llm alone: just the mock, for the user's own agent. */
  private async startServers(plan: LoadPlan, config: AgentctlConfig, stopping: Array<() => Promise<void>>): Promise<{ targetUrl: string; mockNote?: string }> {
    const targetUrl = config.target.url
    const mockConfig = config.faults.mockLlm
    const mock = plan.mockLlm
    const latency = mock?.latency ? `latency ${mock.latency[0]}..${mock.latency[1]}ms` : 'no added latency'
    if (plan.self) {
      const { startSelfStack } = await import('../harness/self-stack.js')
      const stack = await startSelfStack({
        profile: 'load',
        // Its own embedded PostgreSQL directory (claimed with a pid lock; a busy one falls back to a temporary one).
        dataDir: '.agentctl/load-data',
        apiKey: config.target.apiKey, // the key run() made for --self
        mockLlm: {
          ...(mock?.latency ? { latency: mock.latency } : {}),
          ...(mock?.scenario ? { scenario: mock.scenario, scenarioParams: mock.scenarioParams } : {}),
          ...(mock?.seed !== undefined ? { seed: mock.seed } : {}),
        },
      })
      stopping.push(stack.stop)
      await assertLoadAllowed(stack.agentUrl, false)
      return { targetUrl: stack.agentUrl, mockNote: `--self: reference agent at ${stack.agentUrl}, mock LLM at ${stack.mock.baseUrl} (${latency}${mock?.scenario ? `, scenario ${mock.scenario}` : ''})` }
    }
    if (!mock) return { targetUrl }
    const { startMockLlmServer } = await import('../harness/index.js')
    const server = await startMockLlmServer({ port: mockConfig.port, host: mockConfig.host, latency: mock.latency, scenario: mock.scenario, scenarioParams: mock.scenarioParams, seed: mock.seed }).catch((error: NodeJS.ErrnoException) => {
      // Only a socket error (EADDRINUSE, EACCES) is about the port.
      if (!error.code) throw new AgentctlError(`cannot start the mock LLM: ${error.message}`, ExitCode.UsageOrInternal, 'check --mock-llm')
      throw new AgentctlError(`cannot start the mock LLM on ${mockConfig.host}:${mockConfig.port}: ${error.code}`, ExitCode.UsageOrInternal, 'free the port or set faults.mockLlm.port in agentctl.yaml (AGENTCTL_MOCK_LLM_PORT)')
    })
    stopping.push(() => server.close())
    return { targetUrl, mockNote: `mock LLM at ${server.baseUrl} (${latency}): point the agent's LLM_BASE_URL there so this measures the agent, not the provider` }
  }
}

/**
 * The chat adapter (docs/CONTRACTS.md "Target protocols") when the load sends chats and a wire
 * format was chosen (--protocol, a non-default target.protocol) or streams are timed: answers are
 * then classified from content and streamed ones timed. Plain HTTP loads (--body, GET) send as is.
 */
async function chatProtocol(plan: LoadPlan, config: AgentctlConfig, targetUrl: string, chosen: boolean): Promise<TargetProtocol | undefined> {
  const chats = plan.method === 'POST' && plan.body === undefined
  if (!chats || !(chosen || plan.stream || config.target.protocol !== 'agentctl')) return undefined
  const { openTargetProtocol, ProtocolSetupError } = await import('../src/protocols/index.js')
  try {
    return await openTargetProtocol({ ...config.target, url: targetUrl, chatPath: plan.path })
  } catch (error) {
    if (error instanceof ProtocolSetupError) throw new AgentctlError(error.message, ExitCode.UsageOrInternal, error.hint)
    throw error
  }
}

/** The mock's own schema checks the scenario params' values (plan.ts checked names and keys), before any server starts. */
async function assertScenarioParams(mock: MockLlmPlan): Promise<void> {
  const { createFault } = await import('../harness/index.js')
  try {
    createFault(mock.scenario!, mock.scenarioParams)
  } catch (error) {
    throw new AgentctlError(`--mock-llm: ${(error as Error).message}`, ExitCode.UsageOrInternal, "give the scenario's params as NAME=VALUE, e.g. --mock-llm 'scenario=slow,latencyMs=1000'")
  }
}
