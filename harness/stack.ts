/**
 * Launches the reference agent (and optionally the mock LLM in front of it) for `validate --self`,
 * `load --self`, the demo and tests.
 *
 * By default the agent runs as a child process (`agentctl agent start --port 0`, from dist/), so
 * what is measured is the real thing: its own event loop, its own signals. `inProcess: true`
 * starts it inside this process instead (faster; for tests).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { packageRoot } from '../src/paths.js'
import { startMockLlmServer, type MockLlmServer } from './mock-llm/server.js'
import type { MockLlmOptions } from './mock-llm/types.js'

export interface ReferenceAgent {
  url: string
  /** The child's pid (undefined in process). */
  pid?: number
  stop(): Promise<void>
}

export interface StartReferenceAgentOptions {
  /** The agent's environment (merged over process.env for a child). */
  env?: Record<string, string | undefined>
  port?: number
  inProcess?: boolean
  /** How long to wait for "agent listening" (default 90 s: PGlite's first start runs initdb). */
  startTimeoutMs?: number
}

const LISTENING = /agent listening on (http:\/\/\S+)/
/**
 * V8 flags the agent runs with (deploy/ sets the same in NODE_OPTIONS). A young generation of at
 * most 16 MB per semi-space instead of V8's default on a large machine (64 MB): scavenges come more
 * often but each copies a quarter as much, and their pauses were the agent's own-time p99
 * (agent/README.md, "Latency"). A size set in the agent's NODE_OPTIONS is left to win.
 */
export const AGENT_NODE_FLAGS = ['--max-semi-space-size=16']
const STOP_GRACE_MS = 5000
const TAIL_CHARS = 2000

export async function startReferenceAgent(options: StartReferenceAgentOptions = {}): Promise<ReferenceAgent> {
  if (options.inProcess) {
    const { startAgent } = await import('../agent/index.js')
    const agent = await startAgent({ env: { ...process.env, ...options.env }, port: options.port ?? 0 })
    return { url: agent.url, stop: () => agent.close() }
  }
  const bin = join(packageRoot(), 'bin', 'run.js')
  if (!existsSync(join(packageRoot(), 'dist', 'commands', 'agent', 'start.js'))) {
    throw new Error('the reference agent is not built: run `npm run build` (dist/commands/agent/start.js is missing)')
  }
  // Command-line flags would override NODE_OPTIONS: add ours only when it names no size itself.
  const nodeOptions = options.env?.NODE_OPTIONS ?? process.env.NODE_OPTIONS ?? ''
  const flags = /--max-semi-space-size/.test(nodeOptions) ? [] : AGENT_NODE_FLAGS
  const child = spawn(process.execPath, [...flags, bin, 'agent', 'start', '--port', String(options.port ?? 0)], {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  // If this process exits without calling stop(), the agent must not outlive it.
  const killOnExit = () => child.kill('SIGKILL')
  process.once('exit', killOnExit)

  let stderr = ''
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-TAIL_CHARS)))
  try {
    const url = await waitForListening(child, options.startTimeoutMs ?? 90_000, () => stderr)
    // Keep draining stdout (JSON logs) so a full pipe never blocks the agent.
    child.stdout!.resume()
    return {
      url,
      pid: child.pid,
      stop: () => stopChild(child).finally(() => process.off('exit', killOnExit)),
    }
  } catch (error) {
    await stopChild(child)
    process.off('exit', killOnExit)
    throw error
  }
}

function waitForListening(child: ChildProcess, timeoutMs: number, stderrTail: () => string): Promise<string> {
  return new Promise((resolve, reject) => {
    let stdout = ''
    const tail = () => {
      const text = (stderrTail() || stdout).trim().slice(-TAIL_CHARS)
      return text ? `\n--- agent output (tail) ---\n${text}` : ''
    }
    const timer = setTimeout(() => finish(new Error(`the reference agent did not report "agent listening" within ${timeoutMs} ms${tail()}`)), timeoutMs)
    const onData = (chunk: string) => {
      stdout = (stdout + chunk).slice(-TAIL_CHARS * 4)
      const match = LISTENING.exec(stdout)
      if (match) finish(undefined, match[1])
    }
    const onExit = (code: number | null, signal: string | null) =>
      finish(new Error(`the reference agent exited before listening (${signal ?? `exit code ${code}`})${tail()}`))
    function finish(error?: Error, url?: string) {
      clearTimeout(timer)
      child.stdout!.off('data', onData)
      child.off('close', onExit)
      if (error) reject(error)
      else resolve(url!)
    }
    child.stdout!.setEncoding('utf8').on('data', onData)
    // 'close', not 'exit': it fires after the child's stdio has drained, so the tail holds its last words.
    child.once('close', onExit)
  })
}

/** SIGTERM (the agent drains), then SIGKILL if it is still running after 5 s. */
function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS)
    child.once('exit', () => {
      clearTimeout(kill)
      resolve()
    })
    child.kill('SIGTERM')
  })
}

export interface StackOptions {
  mockLlm?: MockLlmOptions
  agentEnv?: Record<string, string | undefined>
  /** Embedded PGlite + in-process cache: DATABASE_URL and REDIS_URL are removed from the agent's env. */
  embedded?: boolean
  inProcess?: boolean
}

export interface Stack {
  agentUrl: string
  mock: MockLlmServer
  agent: ReferenceAgent
  stop(): Promise<void>
}

/** The mock LLM on a free port and the reference agent pointed at it. */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const mock = await startMockLlmServer({ port: 0, ...options.mockLlm })
  const env: Record<string, string | undefined> = { ...options.agentEnv, LLM_BASE_URL: mock.baseUrl }
  if (options.embedded) Object.assign(env, { DATABASE_URL: undefined, REDIS_URL: undefined })
  let agent: ReferenceAgent
  try {
    // An undefined value unsets the variable: spawn() skips it and the agent's config ignores it.
    agent = await startReferenceAgent({ env, inProcess: options.inProcess })
  } catch (error) {
    await mock.close()
    throw error
  }
  return {
    agentUrl: agent.url,
    mock,
    agent,
    async stop() {
      await agent.stop()
      await mock.close()
    },
  }
}

