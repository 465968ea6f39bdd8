/**
 * Impossible protocol combinations end before any traffic, exit 2 with the cause and the fix:
 * --self with a foreign protocol, an A2A agent whose card can't be found, an http protocol with no
 * answer path. And `init --protocol a2a --target URL` writes a config validate accepts.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config/load.js'

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'run.js')
const cwd = mkdtempSync(join(tmpdir(), 'agentctl-protocol-cli-'))
let requests = 0
const agent = createServer((req, res) => {
  requests++
  res.writeHead(req.url === '/health' ? 200 : 404).end()
})
let url = ''

beforeAll(async () => {
  await new Promise<void>((resolve) => agent.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(agent.address() as AddressInfo).port}`
})
afterAll(() => {
  agent.close()
  rmSync(cwd, { recursive: true, force: true })
})

function cli(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, CI: 'true' } })
    let stderr = ''
    child.stderr.on('data', (c: Buffer) => (stderr += c))
    child.on('close', (code) => resolve({ code, stderr }))
  })
}

describe('protocol flags and config (CLI)', () => {
  it('--self with another protocol exits 2 before starting anything', async () => {
    const run = await cli(['validate', '--self', '--protocol', 'a2a'])
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(/--self validates the bundled reference agent, which speaks the agentctl protocol, not a2a/)
  })
  it('an A2A agent without a card exits 2 naming the card URL and the fix; no chat is sent', async () => {
    requests = 0
    const run = await cli(['validate', '--target', url, '--protocol', 'a2a', '--only', 'resilience'])
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(/agent card at .*\/\.well-known\/agent-card\.json answered HTTP 404; the legacy \/\.well-known\/agent\.json answered HTTP 404/)
    expect(run.stderr).toMatch(/fix: Serve the agent card/)
    // GET /health, then the two well-known card paths: nothing else reached the agent.
    expect(requests).toBe(3)
  })
  it('protocol http without an answer path exits 2 naming target.response', async () => {
    writeFileSync(join(cwd, 'http.yaml'), `target: { url: ${url}, protocol: http }\n`)
    const run = await cli(['validate', '-c', 'http.yaml'])
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(/http\.yaml: target\.response: protocol http needs to know where the answer text is/)
  })
  it('init --protocol a2a --target URL writes a config that loads with that protocol', async () => {
    const run = await cli(['init', '--protocol', 'a2a', '--target', url, '--path', 'a2a.yaml'])
    expect(run.code).toBe(0)
    expect(loadConfig({ file: join(cwd, 'a2a.yaml'), env: {} }).config.target).toMatchObject({ url, protocol: 'a2a' })
  })
})
