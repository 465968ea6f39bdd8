/**
 * Vitest global setup: the suite provisions what it needs on the services it is given, so
 * `npm test` passes on a fresh machine with nothing run before it (issue 20).
 *
 * - PostgreSQL, Redis and NATS must be listening; if one is not, the run stops at once with one
 *   line per missing service and the command that starts it (rather than dozens of timeouts).
 * - The test role and database (AGENTCTL_TEST_DATABASE_URL) are created when missing, through
 *   AGENTCTL_TEST_ADMIN_DATABASE_URL (default: the `postgres` superuser over trust auth); when
 *   that is not allowed, the error names the psql command that creates them.
 */
import net from 'node:net'
import { ensureTestDatabase } from './provision.js'
import { TEST_DATABASE_URL, TEST_NATS_URL, TEST_REDIS_URL } from './services.js'

const START_HINT: Record<string, string> = {
  PostgreSQL: "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start",
  Redis: 'redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no',
  NATS: 'nats-server -a 127.0.0.1 -p 4222 -js &',
}

function listening(url: string, defaultPort: number, timeoutMs = 2000): Promise<boolean> {
  const u = new URL(url)
  return new Promise((resolve) => {
    const socket = net.connect({ host: u.hostname, port: Number(u.port || defaultPort) })
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(timeoutMs, () => done(false))
    socket.once('connect', () => done(true))
    socket.once('error', () => done(false))
  })
}

export default async function setup(): Promise<void> {
  const services: Array<[string, string, number]> = [
    ['PostgreSQL', TEST_DATABASE_URL, 5432],
    ['Redis', TEST_REDIS_URL, 6379],
    ['NATS', TEST_NATS_URL, 4222],
  ]
  const down = (await Promise.all(services.map(async ([name, url, port]) => ((await listening(url, port)) ? undefined : { name, url }))))
    .filter((s): s is { name: string; url: string } => s !== undefined)
  if (down.length > 0) {
    const lines = down.map((s) => `  ${s.name} is not listening at ${new URL(s.url).host}: start it with \`${START_HINT[s.name]}\``)
    throw new Error(`the test suite needs real services (see .ci/run):\n${lines.join('\n')}`)
  }
  const created = await ensureTestDatabase(TEST_DATABASE_URL, process.env.AGENTCTL_TEST_ADMIN_DATABASE_URL)
  if (created.length > 0) console.log(`[test setup] created ${created.join(' and ')} on ${new URL(TEST_DATABASE_URL).host}`)
}
