/**
 * The seed-000 FastAPI agent (bench/seed-000), the second agent bench/agent.mjs and
 * bench/capacity.mjs measure, starts from its shared launcher on the real PostgreSQL (own schema)
 * and Redis (own prefix) and carries an `agentctl load` run: the benches' comparison agent must
 * not rot unnoticed. It needs Debian's python3-fastapi family (`.ci/run` installs them); without
 * them the test is skipped and says which import failed.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startMockLlmServer, type MockLlmServer } from '../../harness/index.js'
import { createTestSchema, deleteKeys, uid } from '../agent/support.js'
import { agentctl, assertBuilt } from '../load/cli.js'
import { TEST_REDIS_URL } from '../support/services.js'

const python = process.env.SEED_PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3')
const probe = spawnSync(python, ['-c', 'import fastapi, uvicorn, httpx, redis, sqlalchemy, psycopg2, prometheus_client'], { encoding: 'utf8' })
const missing = probe.status === 0 ? undefined : `${python} cannot import the seed agent's packages (apt-get install python3-fastapi python3-uvicorn python3-httpx python3-redis python3-sqlalchemy python3-psycopg2 python3-prometheus-client): ${(probe.stderr || probe.error?.message || '').trim().split('\n').at(-1)}`

describe.skipIf(missing)('the seed-000 agent under agentctl load', () => {
  const work = mkdtempSync(join(tmpdir(), 'agentctl-seed-'))
  const prefix = `${uid('seed')}:`
  let mock: MockLlmServer
  let schema: Awaited<ReturnType<typeof createTestSchema>>
  let seed: { child: import('node:child_process').ChildProcess; url: string }

  beforeAll(async () => {
    assertBuilt()
    mock = await startMockLlmServer({ port: 0 })
    schema = await createTestSchema('seed')
    // A plain .mjs module of the benches (no type declarations): imported through a variable.
    const launcher = '../../bench/seed-000/start.mjs'
    const { startSeed } = await import(launcher)
    seed = await startSeed({ llmUrl: mock.url, databaseUrl: schema.url, redisUrl: TEST_REDIS_URL, redisPrefix: prefix })
  }, 60_000)

  afterAll(async () => {
    seed?.child.kill('SIGTERM')
    await mock?.close()
    await schema?.drop()
    await deleteKeys(TEST_REDIS_URL, prefix)
    rmSync(work, { recursive: true, force: true })
  })

  it('answers every chat of an open-model run (tool call, then answer, stored in PostgreSQL)', async () => {
    const out = join(work, 'seed.json')
    const { code, stderr } = await agentctl(['load', '--target', seed.url, '--rate', '5', '--duration', '2s', '--warmup', '500ms', '--slo', 'error_rate<1%', '-o', out], { cwd: work }).done
    expect(code, stderr).toBe(0)
    const { load } = JSON.parse(readFileSync(out, 'utf8'))
    expect(load.requests).toBeGreaterThanOrEqual(9)
    expect(load.errors).toBe(0)
    // The seed stores each conversation turn in PostgreSQL (its conversation_history table).
    const client = new pg.Client({ connectionString: schema.url })
    await client.connect()
    const { rows } = await client.query('SELECT count(*)::int AS n FROM conversation_history').finally(() => client.end())
    expect(rows[0].n).toBeGreaterThanOrEqual(load.requests)
  }, 60_000)
})
