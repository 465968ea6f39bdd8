import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config/load.js'
import { redactDeep } from '../../src/redact.js'
import { runChecks } from '../../src/runner.js'
import { agentctlConfigCheck } from './check.js'

const dir = mkdtempSync(join(tmpdir(), 'agentctl-config-check-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

async function judge(yaml: string, env: Record<string, string> = {}) {
  const file = join(dir, `agentctl-${Math.random().toString(36).slice(2)}.yaml`)
  writeFileSync(file, yaml)
  const { config } = loadConfig({ file, env })
  const [finding] = await runChecks([agentctlConfigCheck], { mode: 'validate', config, timeoutMs: 5000, options: { configFile: file } })
  return finding!
}

describe('agentctl-config', () => {
  it('passes a config whose secrets come from the environment', async () => {
    const f = await judge('target: { url: http://127.0.0.1:8080, apiKey: "${AGENT_API_KEY}" }\ndependencies: { redis: "${REDIS_URL}" }\n', { AGENT_API_KEY: 'agent-key-123456', REDIS_URL: 'redis://:pw-123456@127.0.0.1:6379' })
    expect(f.status, f.message).toBe('pass')
  })

  it('warns about keys of another protocol, which are ignored', async () => {
    const f = await judge('target: { url: http://127.0.0.1:8080, protocol: a2a, response: { text: $.output } }\n')
    expect(f.status).toBe('warn')
    expect(f.message).toMatch(/target.response is set but only protocol http reads it \(target.protocol is a2a\)/)
  })

  it('fails literal secrets in the file without printing them', async () => {
    const f = await judge('target: { apiKey: agent-literal-key-987654 }\ndependencies: { postgres: "postgres://app:s3cret-literal@db:5432/app", llm: { baseUrl: https://api.openai.com/v1, apiKey: sk-proj-literalliteral1234567 } }\n')
    expect(f.status).toBe('fail')
    expect(f.message).toMatch(/target.apiKey is a literal secret.*dependencies.llm.apiKey is a literal secret.*dependencies.postgres has a literal password/)
    expect(f.remediation).toContain('target.apiKey: ${AGENT_API_KEY}')
    const shown = JSON.stringify(redactDeep(f))
    for (const secret of ['agent-literal-key-987654', 's3cret-literal', 'sk-proj-literalliteral1234567']) expect(shown).not.toContain(secret)
  })

  it('fails a mock on the agent\'s own port and an inverted SLO; warns on an unrealistic p95', async () => {
    const f = await judge('target: { url: http://127.0.0.1:4010 }\nslo: { p95Ms: 50, p99Ms: 20 }\n')
    expect(f.status).toBe('fail')
    expect(f.message).toMatch(/slo.p99Ms \(20\) is below slo.p95Ms \(50\)/)
    expect(f.message).toMatch(/below any LLM round trip/)
    expect(f.message).toMatch(/faults.mockLlm \(127.0.0.1:4010\) and target.url are the same address/)
  })
})
