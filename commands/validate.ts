import { Flags } from '@oclif/core'
import { AgentctlError, ExitCode } from '../src/exit-codes.js'
import { type Report, VALIDATE_CATEGORIES } from '../src/report.js'
import type { AgentctlConfig } from '../src/config/schema.js'
import { commonFlags, ReportingCommand } from './_shared/base.js'
import { exitGraceMs } from './_shared/exit-guard.js'
import { requireReachable } from './_shared/reachable.js'
import { createProgress, progressEnabled } from './_shared/progress.js'
import { runValidate, VALIDATE_TIMEOUT } from './_jobs/validate.js'

export default class Validate extends ReportingCommand {
  static summary = 'Is this build safe to ship? The CI deploy gate'
  static description = `Runs the validate checks: ${VALIDATE_CATEGORIES.join(', ')}. Resilience is proven by behaviour: the agent's LLM traffic must go through the mock LLM (faults.mockLlm.port; start the agent with LLM_BASE_URL=http://127.0.0.1:4010/v1), and each check drives a fault (error storm, 429 with Retry-After, hang, bad output) and judges from the agent's answers and the mock's call log. --self starts the bundled reference agent wired to a mock. Exit 0 pass, 1 a finding at or above --fail-on, 2 usage or config error, 130 interrupted by Ctrl-C (no verdict; a shared mock LLM is reset to healthy first). The checks, their ids and categories (for --only, --skip and the config's checks: block): agentctl checks validate.`
  static examples = [
    '<%= config.bin %> validate --self',
    '<%= config.bin %> validate --target http://127.0.0.1:8080 -o validate.xml -o validate.html',
    '<%= config.bin %> validate --only resilience --repeat 3 --max-recovery 30s',
    '<%= config.bin %> validate --only config --fail-on warn',
  ]
  static flags = {
    ...commonFlags,
    self: Flags.boolean({ description: 'start the bundled reference agent wired to a mock LLM, and validate it', exclusive: ['target'] }),
    'max-recovery': Flags.string({ description: 'longest wait for the agent to recover (breaker half-open, limiter) (default validate.maxRecovery, 60s)' }),
    repeat: Flags.integer({ min: 1, max: 20, description: 'run nondeterministic resilience checks N times and gate on their pass rate (default validate.repeat, 1)' }),
    'min-pass-rate': Flags.string({ description: 'share of --repeat runs that must pass, 0..1', default: '1' }),
    timeout: Flags.string({ description: 'budget per check; resilience checks get the larger of this and their own (2-4 min): raise it with a --max-recovery above 60s', default: VALIDATE_TIMEOUT }),
    'data-dir': Flags.string({ description: "--self: the reference agent's embedded PostgreSQL data, reused between runs (the first start initialises it)", default: '.agentctl/validate-data' }),
  }

  async run(): Promise<Report> {
    const { flags } = await this.parse(Validate)
    const loaded = this.loadConfig(flags)
    let config = loaded.config
    if (flags.self && config.target.protocol !== 'agentctl') {
      throw new AgentctlError(`--self validates the bundled reference agent, which speaks the agentctl protocol, not ${config.target.protocol}`, ExitCode.UsageOrInternal, 'drop --protocol (or target.protocol) with --self, or pass --target with your own agent')
    }
    const maxRecoveryMs = this.duration(flags['max-recovery'], config.validate.maxRecovery, '--max-recovery', 'validate.maxRecovery')
    const timeoutMs = this.duration(flags.timeout, VALIDATE_TIMEOUT, '--timeout')
    const repeat = flags.repeat ?? config.validate.repeat
    const minPassRate = Number(flags['min-pass-rate'])
    if (!(minPassRate > 0 && minPassRate <= 1)) throw new AgentctlError(`--min-pass-rate must be in (0, 1], got "${flags['min-pass-rate']}"`, ExitCode.UsageOrInternal, 'e.g. --repeat 5 --min-pass-rate 0.8')
    // Loaded here, not at the top: `validate --help` should not pay for every check's libraries.
    const [{ selectOrThrow }, { displayUrl }] = await Promise.all([import('./_jobs/select.js'), import('../src/probes/endpoint.js')])
    const checks = selectOrThrow('validate', this.listFlag(flags.only), this.listFlag(flags.skip))

    // First Ctrl-C: abort the checks, put the shared mock LLM back to healthy, clean up (stop the agent and the mock); a second one exits 130 at once.
    this.exitGuardMs = exitGraceMs(timeoutMs) // the base command's guard, should a probe leak a socket
    const signal = this.interruptSignal('\nvalidate: interrupted — resetting the mock LLM and stopping (Ctrl-C again to leave now)')
    const progress = createProgress({ enabled: progressEnabled({ json: this.jsonEnabled() }) })
    let stack: SelfStack | undefined
    try {
      if (flags.self) {
        progress.line('validate: starting the mock LLM and the reference agent…')
        stack = await startSelfStack(config, repeat, flags['data-dir'])
        config = { ...config, target: { ...config.target, url: stack.agentUrl, apiKey: stack.apiKey }, faults: { mockLlm: { ...config.faults.mockLlm, port: stack.mockPort } } }
      } else if (checks.some((c) => c.lock === 'mock-llm')) {
        // --target mode drives a running agent: fail fast (exit 2) when nothing answers there, instead of N error findings.
        await requireReachable(new URL(config.target.healthPath, config.target.url).toString(), Math.min(5000, timeoutMs), 'start the agent with its LLM base URL on the mock (see `agentctl validate --help`) and pass --target, or use --self for the bundled agent; --skip resilience,security runs the static checks alone')
        await requireDiscoverableProtocol(config.target)
        const { host, port } = config.faults.mockLlm
        this.onInterrupt(() => resetMockScenario(`http://${host}:${port}`))
      }
      const report = await runValidate({
        config,
        checks,
        timeoutMs,
        options: { maxRecoveryMs, repeat, minPassRate, configFile: loaded.file, self: Boolean(flags.self) },
        version: this.config.version,
        target: flags.self ? `--self (reference agent ${stack!.agentUrl})` : displayUrl(config.target.url),
        signal,
        progress: (text) => progress.line(text),
      })
      progress.done()
      // A partial run has no verdict: interrupted checks are skips, and skips must never pass a gate.
      if (signal.aborted) throw new AgentctlError('validate was interrupted (Ctrl-C): no verdict', ExitCode.Interrupted, 'rerun it to completion')
      return await this.finish(report, flags)
    } finally {
      progress.done()
      await stack?.stop()
    }
  }

  protected override async catch(error: Error & { exitCode?: number; oclif?: { exit?: number } }): Promise<never> {
    if (error instanceof AgentctlError || error.oclif?.exit !== undefined) return super.catch(error)
    return super.catch(new AgentctlError(`validate failed: ${error.message}`, ExitCode.UsageOrInternal, 'this is a defect in agentctl; rerun with --json and attach the output when reporting it'))
  }
}

/** A target protocol with a discovery document (the A2A card) must resolve before any chat: exit 2 with the cause and fix. */
async function requireDiscoverableProtocol(target: Parameters<typeof import('../src/protocols/index.js').openTargetProtocol>[0]): Promise<void> {
  const { openTargetProtocol, ProtocolSetupError } = await import('../src/protocols/index.js')
  try {
    await openTargetProtocol(target, { timeoutMs: 5000 })
  } catch (error) {
    if (error instanceof ProtocolSetupError) throw new AgentctlError(error.message, ExitCode.UsageOrInternal, error.hint)
    throw error
  }
}

/** Puts a shared mock LLM back to `healthy` (the resilience checks leave it in a fault while they run). */
async function resetMockScenario(url: string): Promise<void> {
  const { MockLlmControl } = await import('../harness/mock-llm/control-client.js')
  await new MockLlmControl(url).setScenario('healthy')
}

interface SelfStack {
  agentUrl: string
  apiKey: string
  mockPort: number
  stop(): Promise<void>
}

/**
 * --self: harness/self-stack.ts's 'resilience' profile (tight LLM timeouts, a 500 ms breaker
 * half-open delay, a finite rate limit) with the agent as a child process, so an agent crash under
 * a fault can't take agentctl down. The mock listens on faults.mockLlm.port, or a free port when
 * that one is busy. The embedded database's data directory is reused between runs (fast restarts).
 */
async function startSelfStack(config: AgentctlConfig, repeat: number, dataDir: string): Promise<SelfStack> {
  const { startSelfStack: start } = await import('../harness/self-stack.js')
  const { host, port } = config.faults.mockLlm
  const launch = (mockPort: number) => start({ profile: 'resilience', dataDir, repeat, mockLlm: { port: mockPort, host } })
  try {
    const stack = await launch(port).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') return launch(0)
      throw error
    })
    return { agentUrl: stack.agentUrl, apiKey: stack.apiKey, mockPort: stack.mock.port, stop: () => stack.stop() }
  } catch (error) {
    throw new AgentctlError(`--self could not start the reference agent: ${(error as Error).message}`, ExitCode.UsageOrInternal, 'run `agentctl agent start` to see the agent\'s own error, or `npm run build` if dist/ is missing')
  }
}
