import { Flags } from '@oclif/core'
import { AgentctlError, ExitCode } from '../../src/exit-codes.js'
import { ReportingCommand } from '../_shared/base.js'

export default class AgentStart extends ReportingCommand {
  // It serves until stopped; there is no report to print as JSON.
  static enableJsonFlag = false
  static summary = 'Run the bundled reference agent (HTTP API on fastify)'
  static description = `Serves POST /chat, GET /health, GET /ready, GET /metrics and GET /sessions/:id/messages. Configuration comes from the environment (LLM_BASE_URL, LLM_MODEL, DATABASE_URL, REDIS_URL, AGENT_API_KEYS, ... see the agent README). Without DATABASE_URL/REDIS_URL it runs on embedded PGlite and an in-process cache; without AGENT_API_KEYS it binds loopback only.

Logs JSON lines (warnings, migrations), then prints "agent listening on http://HOST:PORT" once it serves. SIGTERM/SIGINT drain in-flight requests before exiting.`
  static examples = [
    'LLM_BASE_URL=http://127.0.0.1:4010/v1 <%= config.bin %> agent start',
    'AGENT_API_KEYS=sk-admin:admin DATABASE_URL=postgres://... REDIS_URL=redis://... <%= config.bin %> agent start --port 8080 --host 0.0.0.0',
  ]
  static flags = {
    port: Flags.integer({ description: 'port to listen on (0 = a free port; default PORT or 8080)', min: 0, max: 65535 }),
    host: Flags.string({ description: 'interface to bind (default HOST, else 0.0.0.0 with API keys, 127.0.0.1 without)' }),
  }

  async run(): Promise<void> {
    const { flags } = await this.parse(AgentStart)
    // Lazy: fastify, pg, PGlite and the tokenizer load only when the agent really starts.
    const { startAgent, AgentConfigError } = await import('../../agent/index.js')
    let agent
    try {
      agent = await startAgent({ port: flags.port, host: flags.host })
    } catch (error) {
      if (error instanceof AgentConfigError) throw error
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'EADDRINUSE') throw new AgentctlError(`port ${flags.port ?? process.env.PORT ?? 8080} is already in use`, ExitCode.UsageOrInternal, 'pick another --port, or --port 0 for a free one')
      throw new AgentctlError(`the agent could not start: ${(error as Error).message}`, ExitCode.UsageOrInternal, 'check DATABASE_URL / REDIS_URL / AGENT_DATA_DIR and the log lines above')
    }
    this.log(`agent listening on ${agent.url}`)
    const signal = await new Promise<string>((resolve) => {
      process.once('SIGINT', () => resolve('SIGINT'))
      process.once('SIGTERM', () => resolve('SIGTERM'))
    })
    this.logToStderr(`agent draining (${signal})`)
    await agent.close()
    // Drained and closed: what is left is abandoned work, such as the last span export to a hung or
    // unreachable collector, which the exporter would retry for up to its 10 s timeout after the
    // agent gave it 2 s (agent/index.ts). The base command's guard ends the process instead.
    this.exitGuardMs = 500
  }
}
