/**
 * Helpers for the agent's integration tests: an isolated PostgreSQL schema per test file (on the
 * shared server, dropped after), a unique Redis key prefix, an in-process agent talking to the
 * in-process mock LLM (msw), and a small HTTP client.
 */
import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import pg from 'pg'
import { createMockLlm, type InProcessMockLlm } from '../../harness/index.js'
import { type RunningAgent, startAgent } from '../../agent/index.js'
import { TEST_DATABASE_URL, TEST_REDIS_URL } from '../support/services.js'

export const uid = (label: string) => `${label}_${process.pid}_${randomBytes(3).toString('hex')}`

/** A schema of its own on the shared database; every connection of the URL uses it first. */
export async function createTestSchema(label: string, baseUrl = TEST_DATABASE_URL): Promise<{ url: string; schema: string; drop(): Promise<void> }> {
  const schema = uid(label).toLowerCase()
  const admin = new pg.Client({ connectionString: baseUrl, connectionTimeoutMillis: 5000 })
  await admin.connect()
  await admin.query(`CREATE SCHEMA "${schema}"`)
  await admin.end()
  const url = withSearchPath(baseUrl, schema)
  return {
    url,
    schema,
    async drop() {
      const client = new pg.Client({ connectionString: baseUrl, connectionTimeoutMillis: 5000 })
      await client.connect()
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
      await client.end()
    },
  }
}

export function withSearchPath(url: string, schema: string): string {
  const u = new URL(url)
  u.searchParams.set('options', `-c search_path=${schema},public`)
  return u.toString()
}

export interface TestAgent {
  agent: RunningAgent
  mock: InProcessMockLlm
  url: string
  chat(body: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any; headers: Headers }>
  get(path: string, headers?: Record<string, string>): Promise<{ status: number; body: any; headers: Headers }>
  close(): Promise<void>
}

/**
 * The agent in-process on a random port, on real PostgreSQL/Redis, with the msw mock LLM. Pass the
 * mock of an agent still running: two msw servers in one process would both intercept fetch.
 */
export async function startTestAgent(env: Record<string, string | undefined>, shared?: InProcessMockLlm): Promise<TestAgent> {
  const mock = shared ?? createMockLlm()
  if (!shared) mock.listen()
  const redisPrefix = `${uid('agent')}:`
  const agent = await startAgent({
    port: 0,
    host: '127.0.0.1',
    env: {
      LOG_LEVEL: 'silent',
      LLM_BASE_URL: mock.baseUrl,
      REDIS_URL: TEST_REDIS_URL,
      AGENT_REDIS_PREFIX: redisPrefix,
      LLM_RETRY_BASE_MS: '5',
      BREAKER_HALF_OPEN_MS: '200',
      ...env,
    },
  })
  const call = async (path: string, init: RequestInit) => {
    const response = await fetch(`${agent.url}${path}`, init)
    const text = await response.text()
    let body: unknown = text
    try {
      body = JSON.parse(text)
    } catch {
      // Non-JSON bodies (metrics) stay text.
    }
    return { status: response.status, body: body as any, headers: response.headers }
  }
  return {
    agent,
    mock,
    url: agent.url,
    chat: (body, headers = {}) =>
      call('/chat', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) }),
    get: (path, headers = {}) => call(path, { headers }),
    async close() {
      await agent.close()
      if (!shared) mock.close()
      if (agent.config.redisUrl === TEST_REDIS_URL) await deleteKeys(TEST_REDIS_URL, redisPrefix)
    },
  }
}

/** Removes this test agent's keys from the shared Redis (SCAN, never FLUSH). */
export async function deleteKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 })
  try {
    for await (const keys of redis.scanStream({ match: `${prefix}*`, count: 500 })) if ((keys as string[]).length) await redis.del(...(keys as string[]))
  } finally {
    redis.disconnect()
  }
}

export const TEST_SERVICES = { databaseUrl: TEST_DATABASE_URL, redisUrl: TEST_REDIS_URL }
