/**
 * Test support for validate: a mock LLM on a random port, fixture agents spawned as processes (a
 * crashing fixture must not take the test runner with it), and a runner for resilience checks.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { join } from 'node:path'
import { resilienceCatalogue } from '../../checks/catalogue-resilience.js'
import { startMockLlmServer, type MockLlmServer } from '../../harness/index.js'
import type { Check } from '../../src/check.js'
import { ConfigSchema } from '../../src/config/schema.js'
import type { Finding } from '../../src/report.js'
import { declaredOptions, runChecks } from '../../src/runner.js'

export const FIXTURE_AGENTS = join(import.meta.dirname, '..', '..', 'fixtures', 'agents')
export const FIXTURE_API_KEY = 'fixture-validate-key-0001'

/** Tight knobs so a full resilience run against a fixture takes seconds. */
export const FAST_AGENT_ENV = {
  LLM_TIMEOUT_MS: '800',
  REQUEST_TIMEOUT_MS: '2500',
  LLM_MAX_RETRIES: '2',
  LLM_RETRY_BASE_MS: '30',
  BREAKER_THRESHOLD: '3',
  BREAKER_HALF_OPEN_MS: '1000',
  RATE_LIMIT_PER_MINUTE: '120',
  AGENT_API_KEYS: `${FIXTURE_API_KEY}:admin`,
}

export interface RunningAgent {
  url: string
  child: ChildProcess
  stop(): Promise<void>
}

/** Spawns fixtures/agents/<name>.mjs on a random port, wired to the mock. */
export async function spawnFixtureAgent(name: string, mock: MockLlmServer, env: Record<string, string> = {}): Promise<RunningAgent> {
  const child = spawn(process.execPath, [join(FIXTURE_AGENTS, `${name}.mjs`), '--port', '0'], {
    env: { ...process.env, ...FAST_AGENT_ENV, LLM_BASE_URL: mock.baseUrl, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`fixture ${name} did not start: ${output}`)), 10_000)
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      const match = /listening on (http:\/\/\S+)/.exec(output)
      if (match) (clearTimeout(timer), resolve(match[1]!))
    })
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.once('exit', (code) => (clearTimeout(timer), reject(new Error(`fixture ${name} exited (${code}): ${output}`))))
  })
  return {
    url,
    child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGKILL')
      await once(child, 'exit')
    },
  }
}

export function startMock(): Promise<MockLlmServer> {
  return startMockLlmServer({ port: 0 })
}

export interface ResilienceRun {
  findings: Finding[]
  byId: Record<string, Finding>
}

/** Runs resilience checks (all, or some ids) against an agent through the mock, as validate does. */
export async function runResilience(agentUrl: string, mock: MockLlmServer, opts: { only?: string[]; apiKey?: string; options?: Record<string, unknown>; checks?: Check[] } = {}): Promise<ResilienceRun> {
  const config = ConfigSchema.parse({
    target: { url: agentUrl, apiKey: opts.apiKey ?? FIXTURE_API_KEY },
    faults: { mockLlm: { port: mock.port } },
  })
  const checks = opts.checks ?? resilienceCatalogue
  const findings = await runChecks(checks, {
    mode: 'validate',
    config,
    timeoutMs: 60_000,
    only: opts.only,
    // Tight budgets for the checks that take them; a test's own options must be declared by its check.
    options: { ...declaredOptions(checks, { maxRecoveryMs: 10_000, hangBudgetMs: 6000, requestTimeoutMs: 10_000 }), ...opts.options },
  })
  return { findings, byId: Object.fromEntries(findings.map((f) => [f.checkId, f])) }
}

/** A readable line per finding for assertion messages. */
export function explain(findings: Finding[]): string {
  return findings.map((f) => `${f.checkId}: ${f.status}: ${f.message}`).join('\n')
}

export interface FixtureCase {
  fixture: string
  env?: Record<string, string>
  options?: Record<string, unknown>
}

/** Runs one check against each fixture agent in turn (one shared mock) and returns one finding per case. */
export async function judgeFixtures(check: Check, cases: FixtureCase[]): Promise<Finding[]> {
  const mock = await startMock()
  const results: Finding[] = []
  try {
    for (const c of cases) {
      const agent = await spawnFixtureAgent(c.fixture, mock, c.env)
      try {
        const run = await runResilience(agent.url, mock, { checks: [check], options: c.options })
        results.push(run.findings[0]!)
      } finally {
        await agent.stop()
        mock.reset()
      }
    }
  } finally {
    await mock.close()
  }
  return results
}
