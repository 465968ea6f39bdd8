/**
 * Starts the seed-000 FastAPI agent (bench/seed-000/server.py) under uvicorn — one worker, as its
 * guide runs it — on a given OpenAI-compatible LLM, PostgreSQL and Redis. Shared by bench/agent.mjs
 * (throughput ratio) and bench/capacity.mjs (capacity search against a second, slower agent).
 * Needs Debian's python3-fastapi, -uvicorn, -httpx, -redis, -sqlalchemy, -psycopg2 and
 * -prometheus-client (`.ci/run` installs them when missing).
 */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createServer } from 'node:net'

/** @returns {Promise<{ child: import('node:child_process').ChildProcess, url: string, pid: number | undefined }>} */
export async function startSeed({ llmUrl, databaseUrl, redisUrl, redisPrefix }) {
  const port = await new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address()
      probe.close(() => resolve(port))
    })
  })
  const dsn = new URL(databaseUrl)
  dsn.protocol = 'postgresql:'
  // Debian's interpreter, where apt installed the packages (a pyenv python3 first on PATH lacks them).
  const python = process.env.SEED_PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3')
  const child = spawn(python, ['-m', 'uvicorn', 'server:app', '--app-dir', new URL('./', import.meta.url).pathname, '--host', '127.0.0.1', '--port', String(port), '--log-level', 'warning', '--no-access-log'], {
    env: { ...process.env, LLM_BASE_URL: `${llmUrl}/v1`, DATABASE_URL: dsn.toString(), REDIS_URL: redisUrl, REDIS_PREFIX: redisPrefix },
    stdio: ['ignore', 'inherit', 'inherit'],
  })
  const url = `http://127.0.0.1:${port}`
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`the seed-000 agent exited with ${child.exitCode} (are the python3-fastapi ... Debian packages installed?)`)
    const up = await fetch(`${url}/health`).then((r) => r.ok, () => false)
    if (up) return { child, url, pid: child.pid }
    await new Promise((r) => setTimeout(r, 200))
  }
  child.kill('SIGTERM')
  throw new Error('the seed-000 agent did not answer /health within 20 s')
}
