// Drives the built CLI (npm test builds dist/ first).
import { spawn, spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { SCENARIO_NAMES } from '../../harness/index.js'

const root = fileURLToPath(new URL('../..', import.meta.url))
const run = (...args: string[]) => spawnSync(process.execPath, ['bin/run.js', 'mock-llm', ...args], { cwd: root, encoding: 'utf8', timeout: 30_000 })

describe('agentctl mock-llm', () => {
  it('--help lists every scenario on its own line', () => {
    const help = run('--help')
    expect(help.status).toBe(0)
    for (const name of SCENARIO_NAMES) expect(help.stdout).toMatch(new RegExp(`^  ${name} +\\S`, 'm'))
  })

  it('exits 2 with the scenario list on a bad scenario, latency or params', () => {
    const scenario = run('--scenario', 'chaos', '--port', '0')
    expect(scenario.status).toBe(2)
    expect(scenario.stderr).toMatch(/unknown scenario "chaos"[\s\S]*valid scenarios: healthy, slow, hang/)
    const latency = run('--latency', 'fast', '--port', '0')
    expect(latency.status).toBe(2)
    expect(latency.stderr).toMatch(/invalid --latency "fast"/)
    const params = run('--scenario', 'slow', '--params', '{"latency": 5}', '--port', '0')
    expect(params.status).toBe(2)
    expect(params.stderr).toMatch(/invalid params for scenario "slow"/)
    expect(params.stderr).not.toMatch(/\n\s+at /) // no stack trace
  })

  it('serves until SIGTERM, prints the URL and the export hint, and stops cleanly', async () => {
    const child = spawn(process.execPath, ['bin/run.js', 'mock-llm', '--port', '0', '--scenario', 'rate-limited', '--params', '{"retryAfterMs": 1500}', '--scripts', 'fixtures/scripts/support-agent.yaml'], { cwd: root })
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (out += d))
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    try {
      await expect.poll(() => out, { timeout: 20_000 }).toMatch(/export LLM_BASE_URL=http:\/\/127\.0\.0\.1:\d+\/v1/)
      const baseUrl = /export LLM_BASE_URL=(\S+)/.exec(out)![1]!
      const limited = await fetch(`${baseUrl}/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hello' }] }) })
      expect(limited.status).toBe(429)
      expect(limited.headers.get('retry-after')).toBe('2')
      await fetch(`${baseUrl.replace(/\/v1$/, '')}/__mock/reset`, { method: 'POST' })
      const scripted = await fetch(`${baseUrl}/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hello' }] }) })
      expect((await scripted.json()).choices[0].message.content).toBe('Hello! How can I help you today?')
    } finally {
      child.kill('SIGTERM')
    }
    expect(await exited).toBe(0)
    expect(out).toMatch(/mock LLM stopped \(SIGTERM\)/)
  })
})
