/**
 * Creates the test role and database named by a connection URL when they do not exist.
 * Safe to run from two suites at once: a concurrent creator's "already exists" counts as done.
 */
import pg from 'pg'

const ALREADY_EXISTS = new Set(['42710' /* duplicate_object (role) */, '42P04' /* duplicate_database */, '23505' /* unique_violation under a race */])
const MISSING = new Set(['28000' /* role does not exist */, '3D000' /* database does not exist */])

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`

export function defaultAdminUrl(testUrl: string): string {
  const u = new URL(testUrl)
  return `postgres://postgres@${u.host}/postgres`
}

export function createCommand(testUrl: string): string {
  const u = new URL(testUrl)
  const role = decodeURIComponent(u.username)
  const db = decodeURIComponent(u.pathname.slice(1))
  return `psql -h ${u.hostname} -p ${u.port || 5432} -U postgres -c 'CREATE ROLE ${role} LOGIN CREATEROLE' -c 'CREATE DATABASE ${db} OWNER ${role}'`
}

async function canConnect(url: string): Promise<'ok' | 'missing'> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 })
  try {
    await client.connect()
    return 'ok'
  } catch (error) {
    if (MISSING.has((error as { code?: string }).code ?? '')) return 'missing'
    throw error
  } finally {
    await client.end().catch(() => undefined)
  }
}

async function tolerateExisting(run: () => Promise<unknown>): Promise<boolean> {
  try {
    await run()
    return true
  } catch (error) {
    if (ALREADY_EXISTS.has((error as { code?: string }).code ?? '')) return false
    throw error
  }
}

/** Returns what it created ('role x', 'database y'); throws with the psql command when it may not. */
export async function ensureTestDatabase(testUrl: string, adminUrl = defaultAdminUrl(testUrl)): Promise<string[]> {
  if ((await canConnect(testUrl)) === 'ok') return []
  const u = new URL(testUrl)
  const role = decodeURIComponent(u.username)
  const db = decodeURIComponent(u.pathname.slice(1))
  const admin = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5000 })
  const created: string[] = []
  try {
    await admin.connect()
    const roleExists = (await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role])).rowCount === 1
    // CREATEROLE: the reference agent creates its read-only tool role in the tests.
    if (!roleExists && (await tolerateExisting(() => admin.query(`CREATE ROLE ${quoteIdent(role)} LOGIN CREATEROLE`)))) created.push(`role ${role}`)
    const dbExists = (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [db])).rowCount === 1
    if (!dbExists && (await tolerateExisting(() => admin.query(`CREATE DATABASE ${quoteIdent(db)} OWNER ${quoteIdent(role)}`)))) created.push(`database ${db}`)
  } catch (error) {
    throw new Error(`cannot create the test role and database (${(error as Error).message}); create them with: ${createCommand(testUrl)}`)
  } finally {
    await admin.end().catch(() => undefined)
  }
  return created
}
