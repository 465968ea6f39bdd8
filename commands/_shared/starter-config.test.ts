import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { parseDocument } from 'yaml'
import { loadConfig } from '../../src/config/load.js'
import { ConfigSchema } from '../../src/config/schema.js'
import { resetSecrets } from '../../src/redact.js'
import { starterConfig } from './starter-config.js'

const dir = mkdtempSync(join(tmpdir(), 'agentctl-starter-'))
afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
  resetSecrets()
})
const file = join(dir, 'agentctl.yaml')
writeFileSync(file, starterConfig('schemas/agentctl.schema.json'))

describe('starter config (agentctl init)', () => {
  it('loads cleanly with no environment set, on the documented defaults', () => {
    const { config } = loadConfig({ file, env: {} })
    expect(config.target.url).toBe('http://127.0.0.1:8080')
    expect(config.target.apiKey).toBe('')
    expect(config.dependencies.redis).toBe('redis://127.0.0.1:6379')
    expect(config.load.slo).toEqual(['p95<5000', 'error_rate<0.01'])
    expect(config.pricing?.['my-finetuned-model']).toEqual({ inputPer1k: 0.003, outputPer1k: 0.012 })
  })

  it('takes its ${ENV} values from the environment', () => {
    const { config } = loadConfig({ file, env: { AGENT_URL: 'http://10.1.2.3:9000', LLM_MODEL: 'MiniMax-M2', DATABASE_URL: 'postgres://app@db:5432/app' } })
    expect(config.target.url).toBe('http://10.1.2.3:9000')
    expect(config.dependencies.llm?.model).toBe('MiniMax-M2')
    expect(config.dependencies.postgres).toBe('postgres://app@db:5432/app')
  })

  it('documents every top-level section of the config contract, active or commented', () => {
    const text = starterConfig('x')
    for (const key of Object.keys(ConfigSchema.shape).filter((k) => k !== '$schema')) expect(text).toMatch(new RegExp(`^#? ?${key.replace('$', '\\$')}:`, 'm'))
  })

  it('points editors at the schema on its first line and has a comment on most keys', () => {
    const text = starterConfig('node_modules/agentctl/schemas/agentctl.schema.json')
    expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=node_modules/agentctl/schemas/agentctl.schema.json')
    expect(parseDocument(text).errors).toEqual([])
    const keyLines = text.split('\n').filter((l) => /^\s+[a-zA-Z]+:/.test(l))
    const commented = keyLines.filter((l) => l.includes('#'))
    expect(commented.length / keyLines.length).toBeGreaterThan(0.6)
  })

  it.each(['agentctl', 'openai-chat', 'a2a', 'ai-sdk', 'http'])('init --protocol %s --target URL writes a config that loads with that protocol', (protocol) => {
    const own = join(dir, `${protocol}.yaml`)
    writeFileSync(own, starterConfig('x', { protocol, target: 'http://127.0.0.1:41241' }))
    const { config } = loadConfig({ file: own, env: {} })
    expect(config.target).toMatchObject({ url: 'http://127.0.0.1:41241', protocol })
    // The reference agent's own dependencies are not assumed for a foreign agent.
    if (protocol !== 'agentctl') expect(config.dependencies.redis).toBeUndefined()
  })
})
