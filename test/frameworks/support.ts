/**
 * Runs the framework agents of fixtures/agents/frameworks as a user would: the mock LLM on
 * loopback, the agent as its own process wired to it, and the built CLI spawned against both.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startMockLlmServer, type MockLlmServer } from '../../harness/index.js'
import { AGENTS, FRAMEWORKS_DIR, frameworksInstalled, INSTALL_COMMAND } from './agents.js'

const ROOT = join(import.meta.dirname, '..', '..')
/** The CLI under test: this checkout's, or another build's bin/run.js (AGENTCTL_TEST_CLI) to compare branches. */
export const CLI = process.env.AGENTCTL_TEST_CLI ?? join(ROOT, 'bin', 'run.js')

/**
 * The framework packages are installed apart from agentctl's (.ci/run does it). In CI a missing
 * install is a failure; on a workstation the tests skip and say how to install.
 */
export function frameworksSkipReason(): string | undefined {
  if (frameworksInstalled()) return undefined
  if (process.env.CI) throw new Error(`fixtures/agents/frameworks is not installed: .ci/run must run \`${INSTALL_COMMAND}\` before the tests`)
  const reason = `framework agents not installed; run \`${INSTALL_COMMAND}\` to include these tests`
  console.warn(`test/frameworks: ${reason}`)
  return reason
}

export interface Stack {
  mock: MockLlmServer
  agentUrl: string
  agent: ChildProcess
  /** The agent's own output (errors it logged), for assertion messages. */
  output(): string
  stop(): Promise<void>
}

/**
 * At most this many agents (each with its mock and a CLI) at once per test file: the framework
 * agents take 4-11 s just to import their packages on a loaded 2-core machine, and their verdicts
 * are judged from timing (Retry-After gaps, liveness budgets).
 */
const MAX_STACKS = 4
let running = 0
const waiting: Array<() => void> = []

/** Runs `fn` with the agent and its mock up, then stops both; queues while MAX_STACKS are running. */
export async function withStack<T>(agentKey: string, fn: (stack: Stack) => Promise<T>): Promise<T> {
  if (running >= MAX_STACKS) await new Promise<void>((resolve) => waiting.push(resolve))
  running += 1
  try {
    const stack = await startStack(agentKey)
    try {
      return await fn(stack)
    } finally {
      await stack.stop()
    }
  } finally {
    running -= 1
    waiting.shift()?.()
  }
}

/** The mock on a free port, then the agent (fixtures/agents/frameworks/<file>.mjs) wired to it. */
export async function startStack(agentKey: string): Promise<Stack> {
  const mock = await startMockLlmServer({ port: 0 })
  const child = spawn(process.execPath, [join(FRAMEWORKS_DIR, `${AGENTS[agentKey]!.file}.mjs`), '--port', '0'], {
    env: { ...process.env, LLM_BASE_URL: mock.baseUrl, NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stderr!.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000)))
  try {
    const agentUrl = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${agentKey} did not start within 120s: ${output}`)), 120_000)
      child.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString()
        const match = /listening on (http:\/\/\S+)/.exec(output)
        if (match) (clearTimeout(timer), resolve(match[1]!))
      })
      child.once('exit', (code) => (clearTimeout(timer), reject(new Error(`${agentKey} exited (${code}): ${output}`))))
    })
    return {
      mock,
      agentUrl,
      agent: child,
      output: () => output,
      async stop() {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGKILL')
          await once(child, 'exit')
        }
        await mock.close()
      },
    }
  } catch (error) {
    child.kill('SIGKILL')
    await mock.close()
    throw error
  }
}

export interface CliRun {
  code: number | null
  stdout: string
  stderr: string
  wallMs: number
  report: { findings?: Array<{ checkId: string; status: string; message: string; remediation?: string }>; load?: Record<string, unknown> } & Record<string, unknown>
}

/**
 * Writes an agentctl.yaml for the agent (its `target` block from agents.ts, the mock's port) and
 * runs `agentctl <command> -c it --protocol <protocol> ... -o report.json` as a child process.
 */
export async function runCli(agentKey: string, stack: Stack, command: 'validate' | 'load' | 'diagnose', args: string[], extraConfig: Record<string, unknown> = {}): Promise<CliRun> {
  const dir = mkdtempSync(join(tmpdir(), `agentctl-fw-${agentKey}-`))
  try {
    const { protocol, ...target } = AGENTS[agentKey]!.target
    const config = {
      target: { url: stack.agentUrl, healthPath: '/health', ...target },
      faults: { mockLlm: { host: '127.0.0.1', port: stack.mock.port } },
      ...extraConfig,
    }
    writeFileSync(join(dir, 'agentctl.yaml'), JSON.stringify(config, null, 2)) // JSON is YAML
    const reportFile = join(dir, 'report.json')
    const t0 = performance.now()
    const child = spawn(process.execPath, [CLI, command, '-c', join(dir, 'agentctl.yaml'), '--protocol', String(protocol), ...args, '-o', reportFile], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()))
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()))
    const [code] = (await once(child, 'exit')) as [number | null]
    const wallMs = Math.round(performance.now() - t0)
    let report: CliRun['report'] = {}
    try {
      report = JSON.parse(readFileSync(reportFile, 'utf8'))
    } catch {
      // no report: the assertion on it shows stdout/stderr
    }
    return { code, stdout, stderr, wallMs, report }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
