import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { ConfigSchema } from '../../src/config/schema.js'
import { parseEndpoint } from '../../src/probes/endpoint.js'
import { runChecks } from '../../src/runner.js'
import { TEST_DATABASE_URL } from '../../test/support/services.js'
import { postgresCheck, psqlCommand } from './check.js'

const run = (postgres: string, options: Record<string, unknown> = {}) => runChecks([postgresCheck], { mode: 'diagnose', config: ConfigSchema.parse({ dependencies: { postgres } }), timeoutMs: 3000, options })

describe('postgres', () => {
  it('passes with SELECT 1 latency, version and connection headroom', async () => {
    const [f] = await run(TEST_DATABASE_URL)
    expect(f).toMatchObject({ status: 'pass', title: 'PostgreSQL' })
    expect(f!.evidence).toMatchObject({ latencyMs: expect.any(Number), version: expect.stringMatching(/^PostgreSQL \d+/), maxConnections: expect.any(Number), connections: expect.any(Number), database: 'agentctl_test', inRecovery: false })
    expect(f!.evidence.connections as number).toBeGreaterThan(0)
  })

  it('reports a long-running query with the pid and a ready pg_cancel_backend command', async () => {
    const sleeper = new pg.Client({ connectionString: TEST_DATABASE_URL, application_name: 'agentctl-test-sleeper' })
    await sleeper.connect()
    // Judge only our own query: other clients of the shared server may hold older ones.
    const ownPid = (await sleeper.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number
    const sleeping = sleeper.query('SELECT pg_sleep(3)').catch(() => {})
    try {
      await new Promise((r) => setTimeout(r, 400))
      const findings = await run(TEST_DATABASE_URL, { longQueryMs: 200 })
      const long = findings.find((f) => f.title === 'PostgreSQL long-running queries')
      expect(long).toMatchObject({ status: 'warn', message: expect.stringMatching(/running over 200ms; oldest pid \d+/) })
      const queries = long!.evidence.longRunningQueries as Array<{ pid: number; query: string }>
      expect(queries).toContainEqual(expect.objectContaining({ pid: ownPid, query: expect.stringContaining('pg_sleep(3)') }))
      // The remediation names the oldest one, whoever owns it.
      expect(long!.remediation).toContain(`pg_cancel_backend(${queries[0]!.pid})`)
    } finally {
      // Cancel our own sleeper rather than wait for it.
      const admin = new pg.Client({ connectionString: TEST_DATABASE_URL })
      await admin.connect()
      await admin.query('SELECT pg_cancel_backend($1)', [ownPid])
      await admin.end()
      await sleeping
      await sleeper.end()
    }
  })

  it('psqlCommand strips the password', () => {
    expect(psqlCommand(parseEndpoint('postgres://app:hunter2-secret@db:5432/agent')!, 'SELECT 1')).toBe("psql postgres://app@db:5432/agent -c 'SELECT 1'")
  })
})
