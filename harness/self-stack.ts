/**
 * The reference agent wired to the harness mock LLM, tuned for one of agentctl's own jobs: the
 * demo uses it, and `validate --self` / `load --self` can share it. Two agent profiles, because the
 * jobs want opposite settings:
 *
 *  - `resilience`: tight LLM timeouts, one retry, a 500 ms breaker half-open delay and a finite
 *    per-key rate limit, so every fault check finishes in seconds and the limiter can be tripped.
 *  - `load`: the rate limit out of the way (the measured figure must describe the agent, not its
 *    limiter) and a long LLM timeout, so queueing shows up as latency rather than as errors.
 *
 * The agent's environment is built from scratch over the caller's: a REDIS_URL or DATABASE_URL in
 * the user's shell must never point a throwaway agent at real data, so both are removed and the
 * agent runs embedded (PGlite in `dataDir` + an in-process cache).
 */
import { randomUUID } from 'node:crypto'
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { registerSecret } from '../src/redact.js'
import { startMockLlmServer, type MockLlmServer } from './mock-llm/server.js'
import type { MockLlmOptions } from './mock-llm/types.js'
import { type ReferenceAgent, startReferenceAgent } from './stack.js'

export type AgentProfile = 'resilience' | 'load'

export interface SelfAgentEnvInput {
  profile: AgentProfile
  mockBaseUrl: string
  apiKey: string
  dataDir: string
  /** Resilience runs per check (validate --repeat): the rate limit must let them all through first. */
  repeat?: number
}

/** The agent's environment for a profile (undefined unsets an inherited variable). */
export function selfAgentEnv({ profile, mockBaseUrl, apiKey, dataDir, repeat = 1 }: SelfAgentEnvInput): Record<string, string | undefined> {
  const common = {
    LLM_BASE_URL: mockBaseUrl,
    LLM_API_KEY: 'sk-agentctl-self-mock',
    LLM_MODEL: 'gpt-4o-mini',
    LLM_FALLBACK_MODELS: 'gpt-4.1-mini',
    AGENT_API_KEYS: `${apiKey}:admin`,
    AGENT_DATA_DIR: dataDir,
    DATABASE_URL: undefined,
    REDIS_URL: undefined,
    HOST: '127.0.0.1',
    PORT: undefined,
    SHUTDOWN_GRACE_MS: '1000',
    LOG_LEVEL: 'silent',
  }
  if (profile === 'load') return { ...common, RATE_LIMIT_PER_MINUTE: '10000000', LLM_TIMEOUT_MS: '120000', REQUEST_TIMEOUT_MS: '120000' }
  return {
    ...common,
    LLM_TIMEOUT_MS: '1000',
    LLM_MAX_RETRIES: '1',
    LLM_RETRY_BASE_MS: '50',
    BREAKER_THRESHOLD: '3',
    BREAKER_HALF_OPEN_MS: '500',
    REQUEST_TIMEOUT_MS: '2000',
    // Enough for the whole resilience suite (about 50 chats per run) before the rate-limit probe trips it.
    RATE_LIMIT_PER_MINUTE: String(60 + 50 * repeat),
  }
}

export interface DataDirClaim {
  dir: string
  /** True when the preferred directory was busy (or unusable) and a throwaway one is used instead. */
  fallback: boolean
  release(): void
}

/**
 * Claims an embedded-PostgreSQL data directory. Reusing one between runs matters: PGlite's first
 * start runs initdb (tens of seconds on a busy machine), later starts take about two. PGlite has no
 * lock of its own and two agents on one directory corrupt it, so a pid file guards it; when another
 * live process holds it, a fresh temporary directory is used (slower, but correct).
 */
export function claimDataDir(preferred: string): DataDirClaim {
  const dir = resolve(preferred)
  const lock = join(dir, '.agentctl-lock')
  try {
    mkdirSync(dir, { recursive: true })
    if (existsSync(lock) && !isAlive(Number(readFileSync(lock, 'utf8')))) rmSync(lock, { force: true })
    const fd = openSync(lock, 'wx')
    writeSync(fd, String(process.pid))
    closeSync(fd)
    return { dir, fallback: false, release: () => rmSync(lock, { force: true }) }
  } catch {
    const temp = mkdtempSync(join(tmpdir(), 'agentctl-self-data-'))
    return { dir: temp, fallback: true, release: () => rmSync(temp, { recursive: true, force: true }) }
  }
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

export interface SelfStackOptions {
  profile: AgentProfile
  /** Where the embedded PostgreSQL keeps its data (claimed with claimDataDir). */
  dataDir: string
  mockLlm?: MockLlmOptions
  repeat?: number
  /**
   * The agent's bearer key; default: a fresh random one. `load --self` passes its own, because its
   * request plan (with the Authorization header) is built before the stack starts.
   */
  apiKey?: string
  /** Run the agent inside this process (faster to start; for tests). Default: a child process. */
  inProcess?: boolean
  startTimeoutMs?: number
}

export interface SelfStack {
  agentUrl: string
  /** The agent's bearer key (registered as a secret: redacted from every output). */
  apiKey: string
  mock: MockLlmServer
  agent: ReferenceAgent
  dataDir: string
  /**
   * Stops the agent and starts it again with another profile on the same data. With `mockLlm`, the
   * mock is replaced too (its base latency is fixed at start), and the new agent points at it.
   */
  switchProfile(profile: AgentProfile, mockLlm?: MockLlmOptions): Promise<void>
  /** Stops the agent, then the mock, then releases the data directory. Idempotent. */
  stop(): Promise<void>
}

export async function startSelfStack(options: SelfStackOptions): Promise<SelfStack> {
  const startMock = (mockLlm?: MockLlmOptions) => startMockLlmServer({ port: 0, host: '127.0.0.1', ...mockLlm })
  let mock = await startMock(options.mockLlm)
  const claim = claimDataDir(options.dataDir)
  const apiKey = options.apiKey ?? `agentctl-self-${randomUUID()}`
  registerSecret(apiKey)
  const start = (profile: AgentProfile) =>
    startReferenceAgent({
      env: selfAgentEnv({ profile, mockBaseUrl: mock.baseUrl, apiKey, dataDir: claim.dir, repeat: options.repeat }),
      port: 0,
      inProcess: options.inProcess,
      startTimeoutMs: options.startTimeoutMs,
    })
  let agent: ReferenceAgent | undefined
  let stopping: Promise<void> | undefined
  const stop = () =>
    (stopping ??= (async () => {
      await agent?.stop().catch(() => undefined)
      await mock.close().catch(() => undefined)
      claim.release()
    })())
  try {
    agent = await start(options.profile)
  } catch (error) {
    await stop()
    throw error
  }
  const stack: SelfStack = {
    agentUrl: agent.url,
    apiKey,
    mock,
    agent,
    dataDir: claim.dir,
    async switchProfile(profile, mockLlm) {
      if (stopping) throw new Error('the stack is stopped')
      await agent!.stop()
      agent = undefined
      if (mockLlm) {
        await mock.close()
        mock = await startMock(mockLlm)
        stack.mock = mock
      }
      try {
        agent = await start(profile)
      } catch {
        // Seen once in ~10 runs on a loaded machine: the restart right after a stop exits before
        // listening (the stack's output tail came back empty). One retry costs ~2 s and saves the run.
        agent = await start(profile)
      }
      stack.agent = agent
      stack.agentUrl = agent.url
    },
    stop,
  }
  return stack
}
