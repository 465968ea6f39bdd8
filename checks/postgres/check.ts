import { z } from 'zod'
import { type CheckContext, type CheckOutcome, defineCheck } from '../../src/check.js'
import { type Endpoint, failureOutcome, ms, notConfigured, parseEndpoint, pct, probeBudgetMs, shellQuote } from '../../src/probes/index.js'
import { probePostgres } from '../../src/probes/postgres.js'

const SLOW_SELECT_MS = 250
/** A query or open transaction older than this is reported (embedders and tests lower it). */
const postgresOptions = z.strictObject({ longQueryMs: z.number().positive().default(60_000) })

/** psql invocation for the configured URL with the password stripped (psql prompts or reads PGPASSWORD). */
export function psqlCommand(ep: Endpoint, sql: string): string {
  const url = new URL(ep.url.toString())
  url.password = ''
  return `psql ${shellQuote(url.toString())} -c ${shellQuote(sql)}`
}

export const postgresCheck = defineCheck({
  id: 'postgres',
  category: 'connectivity',
  categoryByMode: { validate: 'dependencies', diagnose: 'connectivity' },
  title: 'PostgreSQL',
  description: 'PostgreSQL answers SELECT 1; version, connections vs max_connections, long-running queries',
  appliesTo: ['validate', 'diagnose'],
  severity: 'fail',
  options: postgresOptions,
  async run(ctx): Promise<CheckOutcome[]> {
    const raw = ctx.config.dependencies.postgres
    if (!raw) return [notConfigured('PostgreSQL', 'dependencies.postgres', 'AGENTCTL_POSTGRES_URL', 'postgres://user:${PGPASSWORD}@host:5432/db')]
    const ep = parseEndpoint(raw)
    if (!ep) return [{ status: 'fail', message: 'dependencies.postgres is not a valid URL', remediation: 'write it as postgres://user:password@host:5432/dbname[?sslmode=require]' }]
    const budgetMs = probeBudgetMs(ctx)
    const { longQueryMs } = ctx.options
    const result = await probePostgres(raw, { signal: ctx.signal, timeoutMs: budgetMs, longQueryMs })
    const user = decodeURIComponent(ep.url.username) || 'postgres'
    const database = decodeURIComponent(ep.url.pathname.slice(1)) || user
    const admin = `psql -h ${ep.host} -p ${ep.port} -U postgres`
    if (!result.ok) {
      const evidence = { ...(result.sqlState ? { sqlState: result.sqlState } : {}) }
      const special = sqlStateOutcome(result.sqlState, { ep, user, database, admin, detail: result.error.detail })
      if (special) return [{ ...special, evidence: { target: ep.display, error: result.error.kind, detail: result.error.detail, ...evidence } }]
      return [
        failureOutcome(
          {
            name: 'PostgreSQL',
            service: 'postgresql',
            configKey: 'dependencies.postgres',
            envVar: 'AGENTCTL_POSTGRES_URL',
            cliCommand: () => psqlCommand(ep, 'SELECT 1'),
            namespace: ctx.config.kubernetes?.namespace,
            authAdvice: () =>
              /does not exist/.test(result.error.detail)
                ? { message: `role "${user}" does not exist on ${ep.hostPort}`, remediation: `create it: \`${admin} -c ${shellQuote(`CREATE ROLE "${user}" LOGIN PASSWORD '…'`)}\`, or fix the user in dependencies.postgres` }
                : { message: `PostgreSQL rejected the password for role "${user}" (${result.error.code ?? 'auth'})`, remediation: `fix the password in dependencies.postgres (use \${PGPASSWORD}); reset it with \`${admin} -c ${shellQuote(`ALTER ROLE "${user}" PASSWORD '…'`)}\`; check pg_hba.conf` },
          },
          ep,
          result.error,
          { budgetMs, connected: result.connected, firstBytes: result.firstBytes },
          evidence,
        ),
      ]
    }
    const { stats, longQueries } = result
    const usable = Math.max(1, stats.maxConnections - stats.reservedConnections)
    const evidence = {
      target: ep.display,
      latencyMs: result.selectMs,
      connectMs: result.connectMs,
      version: stats.version,
      versionNum: stats.versionNum,
      database: stats.database,
      user: stats.user,
      connections: stats.connections,
      maxConnections: stats.maxConnections,
      reservedConnections: stats.reservedConnections,
      connectionsUsedPct: pct(stats.connections, usable),
      inRecovery: stats.inRecovery,
      longRunningQueries: longQueries,
      longQueryThresholdMs: longQueryMs,
    }
    const slow = result.selectMs > SLOW_SELECT_MS
    const outcomes: CheckOutcome[] = [
      {
        status: slow ? 'warn' : 'pass',
        message: `SELECT 1 in ${ms(result.selectMs)} · ${stats.version} · ${stats.connections}/${usable} connections (${evidence.connectionsUsedPct}%)`,
        evidence,
        ...(slow ? { remediation: `SELECT 1 took over ${SLOW_SELECT_MS}ms: look for locks and load: \`${psqlCommand(ep, 'SELECT wait_event_type, count(*) FROM pg_stat_activity GROUP BY 1')}\`` } : {}),
      },
    ]
    if (evidence.connectionsUsedPct >= 80) {
      outcomes.push({
        title: 'PostgreSQL connections',
        status: evidence.connectionsUsedPct >= 95 ? 'fail' : 'warn',
        message: `${stats.connections} of ${usable} usable connections in use (max_connections ${stats.maxConnections}, ${stats.reservedConnections} reserved) — new connections will soon be refused`,
        remediation: `who holds them: \`${psqlCommand(ep, 'SELECT usename, application_name, state, count(*) FROM pg_stat_activity GROUP BY 1,2,3 ORDER BY 4 DESC')}\`; put PgBouncer in front or lower the agents' pool size`,
        evidence,
      })
    }
    if (longQueries.length > 0) {
      const worst = longQueries[0]!
      outcomes.push({
        title: 'PostgreSQL long-running queries',
        status: 'warn',
        message: `${longQueries.length} quer${longQueries.length === 1 ? 'y' : 'ies'}/transaction${longQueries.length === 1 ? '' : 's'} running over ${Math.round(longQueryMs / 1000)}s; oldest pid ${worst.pid} (${worst.state}, ${worst.seconds}s): ${worst.query.slice(0, 80)}`,
        remediation: `inspect: \`${psqlCommand(ep, `SELECT pid, state, now() - query_start AS age, query FROM pg_stat_activity WHERE pid = ${worst.pid}`)}\`; cancel it: \`${psqlCommand(ep, `SELECT pg_cancel_backend(${worst.pid})`)}\` (pg_terminate_backend if it holds locks)`,
        evidence,
      })
    }
    if (stats.inRecovery) {
      outcomes.push({ title: 'PostgreSQL role', status: 'warn', message: 'connected to a read-only standby (pg_is_in_recovery) — the agent cannot persist turns here', remediation: 'point dependencies.postgres at the primary (the writer endpoint)', evidence })
    }
    return outcomes
  },
})

/** SQLSTATEs that deserve their own words rather than the generic auth/protocol wording. */
function sqlStateOutcome(sqlState: string | undefined, c: { ep: Endpoint; user: string; database: string; admin: string; detail: string }): CheckOutcome | undefined {
  switch (sqlState) {
    case '3D000':
      return { status: 'fail', message: `database "${c.database}" does not exist on ${c.ep.hostPort}`, remediation: `create it: \`${c.admin} -c ${shellQuote(`CREATE DATABASE "${c.database}" OWNER "${c.user}"`)}\`, or fix the database name in dependencies.postgres` }
    case '53300':
      return { status: 'fail', message: `PostgreSQL at ${c.ep.hostPort} refuses new connections: too many clients (max_connections reached)`, remediation: `\`${c.admin} -c ${shellQuote('SELECT usename, application_name, count(*) FROM pg_stat_activity GROUP BY 1,2 ORDER BY 3 DESC')}\` finds the holders; use a pooler (PgBouncer) or lower pool sizes` }
    case '57P03':
      return { status: 'fail', message: `PostgreSQL at ${c.ep.hostPort} is starting up, shutting down or in recovery and not accepting connections`, remediation: '`pg_lsclusters` / `journalctl -u postgresql -n 50`; wait for recovery to finish or fail over' }
    default:
      return undefined
  }
}
