/**
 * Redaction must not garble ordinary words. With a weak dev password (`agent`, `postgres`, `admin`,
 * `test`) in the config URLs, the env and the API keys, every output of validate, diagnose and load — stdout,
 * stderr, each report format, and the reference agent's logs — may contain `***` only where a secret
 * was: the password inside its URL (`postgres://agentctl:***@…`). Check ids (`agent-health`), hints
 * (`agentctl.yaml`), log lines ("before exposing the agent") and our own placeholders
 * (`Authorization: Bearer <key>`) stay intact. The planted-secret side is test/redaction.test.ts.
 * Real PostgreSQL/Redis/NATS (trust auth on loopback accepts any password); needs dist/.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { packageRoot } from '../src/paths.js'
import { createTestSchema, uid } from './agent/support.js'
import { closedPort } from './support/fault-servers.js'
import { TEST_DATABASE_URL, TEST_NATS_URL, TEST_REDIS_URL } from './support/services.js'

const WEAK_PASSWORDS = ['agent', 'postgres', 'admin', 'test']
const bin = join(packageRoot(), 'bin', 'run.js')
const work = mkdtempSync(join(tmpdir(), 'agentctl-weak-'))
let openAgent: http.Server
let openAgentUrl: string
let refused: number

/** `scheme://user:pw@host` with the password swapped in (the shared services ignore it or accept any). */
function withPassword(url: string, password: string, user = 'agentctl'): string {
  const u = new URL(url)
  u.username = user
  u.password = password
  return u.toString()
}

/** The `***` left once the masks of URL passwords are taken out: each one is a garbled word. */
function strayMasks(text: string): string[] {
  const out = text.replace(/:\*\*\*@/g, ':<pw>@')
  return [...out.matchAll(/.{0,40}\*\*\*.{0,40}/g)].map((m) => m[0])
}

function runCli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AGENTCTL_') && k !== 'GITHUB_STEP_SUMMARY'))
  const child = spawn(process.execPath, [bin, ...args], { cwd: work, env: { ...base, NO_COLOR: '1', ...env } })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk) => (stdout += chunk))
  child.stderr.on('data', (chunk) => (stderr += chunk))
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })))
}

beforeAll(async () => {
  // An agent that serves chats to anyone: auth-required fails and prints its remediation.
  openAgent = http.createServer((req, res) => {
    req.resume()
    res.writeHead(200, { 'content-type': 'application/json' }).end(req.url === '/health' ? '{"status":"ok"}' : '{"response":"hello"}')
  })
  await new Promise<void>((resolve) => openAgent.listen(0, '127.0.0.1', resolve))
  openAgentUrl = `http://127.0.0.1:${(openAgent.address() as { port: number }).port}`
  refused = await closedPort()
})
afterAll(async () => {
  await new Promise((resolve) => openAgent?.close(resolve))
  rmSync(work, { recursive: true, force: true })
})

describe.each(WEAK_PASSWORDS)('weak password "%s"', (password) => {
  const config = (target: string) => {
    const file = join(work, `agentctl-${password}.yaml`)
    writeFileSync(
      file,
      `target: { url: '${target}', apiKey: '${password}' }
dependencies:
  postgres: '${withPassword(TEST_DATABASE_URL, password)}'
  redis: '${withPassword(`${TEST_REDIS_URL}/9`, password, '')}'
  nats: '${withPassword(TEST_NATS_URL, password)}'
  llm: { baseUrl: 'http://127.0.0.1:${refused}/v1', apiKey: '${password}' }
`,
    )
    return file
  }
  const env = { PGPASSWORD: password, LLM_API_KEY: password, AGENT_API_KEYS: `${password}:admin` }
  const outputs = (name: string) => ['json', 'html', 'xml', 'md'].map((ext) => join(work, `${name}-${password}.${ext}`))

  it('diagnose: the table, --json, stderr and every report file', async () => {
    const files = outputs('diagnose')
    const run = await runCli(['diagnose', '-c', config(`http://127.0.0.1:${refused}`), '--only', 'connectivity', '--timeout', '3s', ...files.flatMap((f) => ['-o', f])], env)
    const json = await runCli(['diagnose', '-c', config(`http://127.0.0.1:${refused}`), '--only', 'connectivity', '--timeout', '3s', '--json'], env)
    expect(run.code, run.stderr).toBe(1) // the agent is down
    expect(run.stdout).toContain('agent-health')
    expect(run.stdout).toContain('agentctl.yaml')
    expect(run.stdout).toMatch(/│ postgres +│ connectivity/) // the check id, intact (pass, or warn when the shared server is slow)
    for (const [where, text] of [['table', run.stdout], ['stderr', run.stderr + json.stderr], ['--json', json.stdout], ...files.map((f) => [f, readFileSync(f, 'utf8')])]) {
      expect(strayMasks(text!), where).toEqual([])
    }
  })

  it('validate: the auth-required remediation keeps `Authorization: Bearer <key>`', async () => {
    const files = outputs('validate')
    const run = await runCli(['validate', '-c', config(openAgentUrl), '--only', 'auth-required', '--timeout', '5s', ...files.flatMap((f) => ['-o', f])], env)
    expect(run.stdout, run.stderr).toMatch(/FAIL +│ auth-required/)
    expect(run.stdout).toContain('Require `Authorization: Bearer <key>` on every chat route')
    for (const [where, text] of [['table', run.stdout], ['stderr', run.stderr], ...files.map((f) => [f, readFileSync(f, 'utf8')])]) {
      expect(strayMasks(text!), where).toEqual([])
    }
  })

  it('load: the plan on stderr, the table and every report file', async () => {
    const files = outputs('load')
    const run = await runCli(['load', '-c', config(openAgentUrl), '--rate', '5', '--duration', '1s', '--warmup', '0s', '--timeout', '1s', ...files.flatMap((f) => ['-o', f])], env)
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toContain('load-slo-')
    for (const [where, text] of [['table', run.stdout], ['stderr', run.stderr], ...files.map((f) => [f, readFileSync(f, 'utf8')])]) {
      expect(strayMasks(text!), where).toEqual([])
    }
  })
})

describe('the reference agent with a weak password in DATABASE_URL and REDIS_URL', () => {
  it.each(['agent', 'postgres'])('"%s": its logs keep every word', async (password) => {
    const schema = await createTestSchema(`weak_${password}`)
    try {
      const databaseUrl = new URL(schema.url)
      databaseUrl.username = 'agentctl'
      databaseUrl.password = password
      const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AGENTCTL_')))
      const child = spawn(process.execPath, [bin, 'agent', 'start', '--port', '0', '--host', '127.0.0.1'], {
        cwd: work,
        env: { ...base, DATABASE_URL: databaseUrl.toString(), REDIS_URL: withPassword(TEST_REDIS_URL, password, ''), AGENT_REDIS_PREFIX: `${uid('weak')}:`, LLM_BASE_URL: `http://127.0.0.1:${refused}/v1`, LLM_API_KEY: password, PGPASSWORD: password, LOG_LEVEL: 'info' },
      })
      let logs = ''
      child.stderr.on('data', (chunk) => (logs += chunk))
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (chunk) => {
          logs += chunk
          const m = /agent listening on (\S+)/.exec(logs)
          if (m) resolve(m[1]!)
        })
        child.once('close', () => reject(new Error(`the agent exited: ${logs}`)))
      })
      for (const path of ['/health', '/ready', '/chat']) await fetch(new URL(path, url), path === '/chat' ? { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"message":"hi"}' } : {}).then((r) => r.text())
      child.kill('SIGTERM')
      await new Promise((resolve) => child.once('close', resolve))
      expect(logs).toContain('before exposing the agent')
      expect(strayMasks(logs)).toEqual([])
    } finally {
      await schema.drop()
    }
  })
})
