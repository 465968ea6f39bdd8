import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { defaultAdminUrl, ensureTestDatabase } from './support/provision.js'
import { TEST_DATABASE_URL } from './support/services.js'

// The suite's global setup provisions its role and database on a fresh server. This proves it on a
// role and database of its own (the shared `agentctl` ones stay in use by the other test files).
const name = `agentctl_setup_${randomBytes(4).toString('hex')}`
const host = new URL(TEST_DATABASE_URL).host
const url = `postgres://${name}@${host}/${name}`
const adminUrl = defaultAdminUrl(TEST_DATABASE_URL)

afterAll(async () => {
  const admin = new pg.Client({ connectionString: adminUrl })
  await admin.connect()
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
  await admin.query(`DROP ROLE IF EXISTS "${name}"`)
  await admin.end()
})

describe('test setup provisioning', () => {
  it('creates a missing role and database, then finds them in place', async () => {
    expect(await ensureTestDatabase(url, adminUrl)).toEqual([`role ${name}`, `database ${name}`])
    const client = new pg.Client({ connectionString: url })
    await client.connect()
    expect((await client.query('SELECT current_user AS u, current_database() AS d')).rows[0]).toEqual({ u: name, d: name })
    await client.end()
    expect(await ensureTestDatabase(url, adminUrl)).toEqual([])
  })

  it('two setups racing on a fresh server both succeed', async () => {
    const racer = `${name}_race`
    const raceUrl = `postgres://${racer}@${host}/${racer}`
    try {
      const [a, b] = await Promise.all([ensureTestDatabase(raceUrl, adminUrl), ensureTestDatabase(raceUrl, adminUrl)])
      expect([...a, ...b].sort()).toEqual([`database ${racer}`, `role ${racer}`])
    } finally {
      const admin = new pg.Client({ connectionString: adminUrl })
      await admin.connect()
      await admin.query(`DROP DATABASE IF EXISTS "${racer}" WITH (FORCE)`)
      await admin.query(`DROP ROLE IF EXISTS "${racer}"`)
      await admin.end()
    }
  })

  it('names the psql command that creates them when it may not', async () => {
    const noAdmin = `postgres://no_such_admin_${randomBytes(3).toString('hex')}@${host}/postgres`
    await expect(ensureTestDatabase(`postgres://${name}_x@${host}/${name}_x`, noAdmin)).rejects.toThrow(
      new RegExp(`create them with: psql -h .* -c 'CREATE ROLE ${name}_x LOGIN CREATEROLE' -c 'CREATE DATABASE ${name}_x OWNER ${name}_x'`),
    )
  })
})
