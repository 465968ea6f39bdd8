import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { catalogue } from '../checks/index.js'
import { withCatalogue } from '../checks/catalogue-markdown.js'

const readme = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8')

describe('README', () => {
  it('opens with the install-and-run and the test commands', () => {
    const firstBlock = readme.slice(0, readme.indexOf('```', readme.indexOf('```') + 3))
    expect(firstBlock).toMatch(/npm ci/)
    expect(firstBlock).toMatch(/npm test/)
  })

  it('check catalogue matches the checks (run `npm run docs` after changing a check)', () => {
    expect(withCatalogue(readme, catalogue)).toBe(readme)
  })
})

/**
 * The CI recipes (README and checks/VALIDATE.md) wait for the mock LLM and the agent. A wait that
 * cannot fail lets the gate run against nothing; each must fail its step when the service never
 * answers. The reports go to a folder that is not this repository's reports/ source.
 */
describe('CI recipe', () => {
  const docs = { 'README.md': readme, 'checks/VALIDATE.md': readFileSync(join(import.meta.dirname, '..', 'checks', 'VALIDATE.md'), 'utf8') }
  // One wait: the `timeout … until curl …` line and its `|| { …; exit 1; }` continuation.
  const waits = (text: string) => [...text.matchAll(/^ *(timeout \d+ bash -c 'until curl[^\n]*\\\n[^\n]*)$/gm)].map((m) => m[1]!.replace(/\\\n\s*/, ' '))
  const run = (wait: string, port: number) => {
    const script = wait.replace(/timeout \d+/, 'timeout 3').replace(/127\.0\.0\.1:\d+/, `127.0.0.1:${port}`).replace(/cat \S+\.log/, 'true')
    // Async: the test's own server must keep answering while the wait runs.
    const child = spawn('bash', ['-c', script], { timeout: 10_000 })
    let stdout = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.resume()
    return new Promise<{ status: number | null; stdout: string }>((resolve) => child.on('close', (status) => resolve({ status, stdout })))
  }

  it.each(Object.entries(docs))('%s: no wait loop that cannot fail, no report written into reports/', (_name, text) => {
    expect(text).not.toMatch(/for i in \$\(seq/)
    expect(text).not.toMatch(/-o reports\//)
    expect(text).not.toMatch(/^ +reports\/$/m)
    expect(waits(text)).toHaveLength(2)
  })

  it('each wait fails when nothing answers and succeeds once the service does', async () => {
    const server = createServer((_req, res) => res.end('ok')).listen(0, '127.0.0.1')
    await new Promise((r) => server.once('listening', r))
    const open = (server.address() as AddressInfo).port
    const closed = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const port = (probe.address() as AddressInfo).port
        probe.close(() => resolve(port))
      })
    })
    try {
      const all = Object.values(docs).flatMap(waits)
      expect(all).toHaveLength(4)
      for (const wait of all) {
        const down = await run(wait, closed)
        expect(down.status, wait).not.toBe(0)
        expect(down.stdout).toContain('::error::')
        expect((await run(wait, open)).status, wait).toBe(0)
      }
    } finally {
      server.close()
    }
  }, 40_000)

  it('the recipe\'s report folder is git-ignored', () => {
    expect(readFileSync(join(import.meta.dirname, '..', '.gitignore'), 'utf8')).toMatch(/^\/?agentctl-reports\/?$/m)
  })
})
