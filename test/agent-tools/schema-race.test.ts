import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { ensureToolSchema } from '../../agent/tools/index.js'
import { TEST_DATABASE_URL } from '../support/services.js'

// Replicas of the agent starting together on one database (a rolling deploy, or two test suites):
// each creates the same catalog views and grants the read-only role on them. Every one must start.
const catalogSchema = `t_race_${randomBytes(4).toString('hex')}`
const pools = Array.from({ length: 6 }, () => new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 1 }))

afterAll(async () => {
  await pools[0]!.query(`DROP SCHEMA IF EXISTS "${catalogSchema}" CASCADE`)
  await Promise.all(pools.map((p) => p.end()))
})

describe('the tool schema, set up by replicas starting at once', () => {
  it('every replica starts, each with the read-only role (no "tuple concurrently updated")', async () => {
    for (let round = 0; round < 3; round++) {
      const results = await Promise.allSettled(pools.map((pool) => ensureToolSchema(pool, { catalogSchema })))
      const failed = results.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []))
      expect(failed, `round ${round}`).toEqual([])
      for (const r of results) expect(r.status === 'fulfilled' && r.value.fallbackReason, `round ${round}`).toBeFalsy()
    }
  })
})
