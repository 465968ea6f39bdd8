import pg from 'pg'
import { type ClassifiedError, classifyNetError, printable } from './errors.js'
import { elapsedMs, withDeadline } from './deadline.js'

export interface PostgresStats {
  version: string
  versionNum: number
  database: string
  user: string
  maxConnections: number
  reservedConnections: number
  connections: number
  inRecovery: boolean
}

export interface LongQuery {
  pid: number
  user: string | null
  state: string | null
  seconds: number
  waitEvent: string | null
  query: string
}

export type PostgresProbeResult =
  | { ok: true; connectMs: number; selectMs: number; stats: PostgresStats; longQueries: LongQuery[] }
  | { ok: false; error: ClassifiedError; connected: boolean; firstBytes?: string; sqlState?: string }

const STATS_SQL = `SELECT version() AS version,
  current_setting('server_version_num')::int AS version_num,
  current_database() AS database, current_user AS "user",
  current_setting('max_connections')::int AS max_connections,
  current_setting('superuser_reserved_connections')::int AS reserved,
  (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend')::int AS connections,
  pg_is_in_recovery() AS in_recovery`

// Active queries and open transactions older than the threshold; our own backend excluded.
// Without pg_read_all_stats other roles' query text reads "<insufficient privilege>", which is fine.
const LONG_SQL = `SELECT pid, usename, state, wait_event_type || ':' || wait_event AS wait_event,
  extract(epoch FROM now() - coalesce(xact_start, query_start))::float8 AS seconds, left(query, 160) AS query
FROM pg_stat_activity
WHERE backend_type = 'client backend' AND pid <> pg_backend_pid() AND state IS NOT NULL AND state <> 'idle'
  AND coalesce(xact_start, query_start) < now() - make_interval(secs => $1::float8)
ORDER BY coalesce(xact_start, query_start) LIMIT 5`

/**
 * SELECT 1, server stats, long-running queries — on a dedicated Client (a Pool would retry and keep
 * sockets), bounded by connectionTimeoutMillis, query_timeout and an overall deadline.
 */
export async function probePostgres(url: string, opts: { signal?: AbortSignal; timeoutMs: number; longQueryMs: number }): Promise<PostgresProbeResult> {
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: opts.timeoutMs,
    query_timeout: opts.timeoutMs,
    statement_timeout: opts.timeoutMs,
    application_name: 'agentctl-diagnose',
  })
  // pg has no public hook for raw bytes; its Connection's socket tells "silent" from "spoke garbage".
  const socket = (client as unknown as { connection?: { stream?: NodeJS.EventEmitter & { destroy?: () => void } } }).connection?.stream
  let bytesReceived = 0
  let first: Buffer | undefined
  let connected = false
  socket?.on('connect', () => {
    connected = true
  })
  socket?.on('data', (chunk: Buffer) => {
    bytesReceived += chunk.length
    first ??= chunk
  })
  client.on('error', () => {}) // a late socket error after we gave up must not crash the CLI
  const started = performance.now()
  try {
    return await withDeadline(
      async () => {
        await client.connect()
        const connectMs = elapsedMs(started)
        const selectStarted = performance.now()
        await client.query('SELECT 1')
        const selectMs = elapsedMs(selectStarted)
        const row = (await client.query(STATS_SQL)).rows[0]
        const long = await client.query(LONG_SQL, [opts.longQueryMs / 1000])
        const stats: PostgresStats = {
          version: String(row.version).split(' on ')[0] ?? String(row.version),
          versionNum: row.version_num,
          database: row.database,
          user: row.user,
          maxConnections: row.max_connections,
          reservedConnections: row.reserved,
          connections: row.connections,
          inRecovery: row.in_recovery,
        }
        const longQueries: LongQuery[] = long.rows.map((r) => ({
          pid: r.pid,
          user: r.usename,
          state: r.state,
          seconds: Math.round(r.seconds),
          waitEvent: r.wait_event,
          query: String(r.query ?? '').replace(/\s+/g, ' '),
        }))
        return { ok: true as const, connectMs, selectMs, stats, longQueries }
      },
      opts.timeoutMs,
      opts.signal,
      () => socket?.destroy?.(),
      'postgres probe',
    )
  } catch (error) {
    const firstBytes = first ? printable(first) : undefined
    const sqlState = typeof (error as { code?: unknown }).code === 'string' && /^[0-9A-Z]{5}$/.test((error as { code: string }).code) ? (error as { code: string }).code : undefined
    return { ok: false, error: classifyNetError(error, { bytesReceived, firstBytes }), connected, ...(firstBytes ? { firstBytes } : {}), ...(sqlState ? { sqlState } : {}) }
  } finally {
    // end() waits for a graceful close; a hung server would stall it, so destroy the socket too.
    client.end().catch(() => {})
    socket?.destroy?.()
  }
}
