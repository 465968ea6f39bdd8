/**
 * Throwaway Redis and PostgreSQL instances for tests that kill or stop them (never the shared
 * services). PostgreSQL refuses to run as root, so as root the binaries run as `postgres` through
 * runuser; as any other user they run directly.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { chownSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { Redis } from 'ioredis'

const run = promisify(execFile)
const PG_BIN = '/usr/lib/postgresql/15/bin'
const isRoot = process.getuid?.() === 0

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

export interface OwnRedis {
  url: string
  port: number
  kill(): void
  restart(): Promise<void>
  stop(): void
  /** SIGSTOP / SIGCONT: a Redis that hangs (accepts, never answers) instead of refusing. */
  pause(): void
  resume(): void
}

export async function startOwnRedis(): Promise<OwnRedis> {
  const port = await freePort()
  let child: ChildProcess | undefined
  const start = async () => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'], { stdio: 'ignore' })
    const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 })
    probe.on('error', () => undefined) // refused until the server listens: expected while polling
    for (let i = 0; i < 50; i++) {
      try {
        await probe.connect()
        await probe.ping()
        probe.disconnect()
        return
      } catch {
        await new Promise((r) => setTimeout(r, 100))
      }
    }
    probe.disconnect()
    throw new Error(`own redis-server on port ${port} did not start`)
  }
  await start()
  const kill = () => void child?.kill('SIGKILL')
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    kill,
    restart: start,
    stop: () => {
      child?.kill('SIGCONT') // a stopped process does not act on SIGKILL until continued on some kernels
      kill()
    },
    pause: () => void child?.kill('SIGSTOP'),
    resume: () => void child?.kill('SIGCONT'),
  }
}

export interface OwnPostgres {
  url: string
  port: number
  stop(): Promise<void>
  start(): Promise<void>
  destroy(): Promise<void>
}

/** initdb a cluster under /tmp (fsync off: it is thrown away) and start it on a free port. */
export async function startOwnPostgres(): Promise<OwnPostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'agentctl-pg-'))
  if (isRoot) {
    const id = async (flag: string) => Number((await run('id', [flag, 'postgres'])).stdout.trim())
    chownSync(dir, await id('-u'), await id('-g'))
  }
  const data = join(dir, 'data')
  const port = await freePort()
  const as = (bin: string, args: string[]) => (isRoot ? run('runuser', ['-u', 'postgres', '--', join(PG_BIN, bin), ...args]) : run(join(PG_BIN, bin), args))
  await as('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8'])
  const start = async () => {
    await as('pg_ctl', ['-D', data, '-w', '-t', '20', '-l', join(dir, 'log'), '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, 'start'])
  }
  const stop = async () => {
    await as('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop'])
  }
  await start()
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    start,
    stop,
    async destroy() {
      await stop().catch(() => undefined)
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
