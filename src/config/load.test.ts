import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { redact, resetSecrets } from '../redact.js'
import { ConfigError, loadConfig } from './load.js'

const dir = mkdtempSync(join(tmpdir(), 'agentctl-config-'))
afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
  resetSecrets()
})

let n = 0
function write(text: string): string {
  const file = join(dir, `config-${++n}.yaml`)
  writeFileSync(file, text)
  return file
}

function loadError(fn: () => unknown): ConfigError {
  try {
    fn()
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError)
    return error as ConfigError
  }
  throw new Error('expected a ConfigError')
}

describe('loadConfig', () => {
  it('runs on embedded defaults when there is no file', () => {
    const { config, file } = loadConfig({ cwd: dir, env: {} })
    expect(file).toBeUndefined()
    expect(config.target.url).toBe('http://127.0.0.1:8080')
    expect(config.slo).toEqual({ p95Ms: 5000, errorRate: 0.01 })
    expect(config.faults.mockLlm.port).toBe(4010)
  })

  it('names file, line and column of malformed YAML, with exit code 2', () => {
    const file = write('target:\n  url: http://x\n  chatPath: [unclosed\nslo: {}\n')
    const error = loadError(() => loadConfig({ file, env: {} }))
    expect(error.exitCode).toBe(2)
    expect(error.message).toMatch(/config-\d+\.yaml:\d+:\d+: .*malformed YAML/)
    expect(error.hint).toMatch(/YAML syntax/)
  })

  it('names an unknown key by its path and suggests the closest known key', () => {
    const file = write('target:\n  url: http://127.0.0.1:9000\n  helthPath: /healthz\n')
    const error = loadError(() => loadConfig({ file, env: {} }))
    expect(error.keyPath).toBe('target.helthPath')
    expect(error.message).toContain('unknown key "helthPath"')
    expect(error.hint).toContain('did you mean "healthPath"?')
  })

  it('names a wrong type by its path', () => {
    const file = write('slo:\n  p95Ms: fast\n')
    const error = loadError(() => loadConfig({ file, env: {} }))
    expect(error.keyPath).toBe('slo.p95Ms')
    expect(error.message).toMatch(/slo\.p95Ms: .*number/i)
  })

  it('takes target.traceUrl only as a template with {traceId} (exit 2 naming the path otherwise)', () => {
    const ok = loadConfig({ file: write('target:\n  traceUrl: http://127.0.0.1:16686/trace/{traceId}\n'), env: {} })
    expect(ok.config.target.traceUrl).toBe('http://127.0.0.1:16686/trace/{traceId}')
    const error = loadError(() => loadConfig({ file: write('target:\n  traceUrl: http://127.0.0.1:16686/trace/\n'), env: {} }))
    expect(error.keyPath).toBe('target.traceUrl')
    expect(error.exitCode).toBe(2)
    expect(error.message).toContain('a URL template containing {traceId}')
    expect(error.hint).toContain('http://127.0.0.1:16686/trace/{traceId}')
  })

  it('fails on an unset environment variable, naming it and the key', () => {
    const file = write('dependencies:\n  redis: ${MISSING_REDIS_URL}\n')
    const error = loadError(() => loadConfig({ file, env: {} }))
    expect(error.keyPath).toBe('dependencies.redis')
    expect(error.message).toContain('${MISSING_REDIS_URL} is not set in the environment')
    expect(error.hint).toContain('${MISSING_REDIS_URL:-value}')
  })

  it('an unset variable under a secret-named key reads the same after redaction (no "apiKey: *** variable")', () => {
    const file = write('dependencies:\n  llm:\n    apiKey: ${LLM_API_KEY}\n')
    const error = loadError(() => loadConfig({ file, env: {} }))
    expect(error.message).toMatch(/dependencies\.llm\.apiKey: \$\{LLM_API_KEY\} is not set in the environment$/)
    expect(redact(error.message)).toBe(error.message)
  })

  it('interpolates ${VAR} and falls back to ${VAR:-default}', () => {
    const file = write('target:\n  url: ${AGENT_URL}\ndependencies:\n  redis: ${REDIS_URL:-redis://127.0.0.1:6379}\n  postgres: postgres://u@${DB_HOST:-localhost}:5432/db\n')
    const { config } = loadConfig({ file, env: { AGENT_URL: 'http://10.0.0.5:8080', DB_HOST: '' } })
    expect(config.target.url).toBe('http://10.0.0.5:8080')
    expect(config.dependencies.redis).toBe('redis://127.0.0.1:6379')
    expect(config.dependencies.postgres).toBe('postgres://u@localhost:5432/db')
  })

  it('applies precedence: flags > AGENTCTL_* env > file > defaults', () => {
    const file = write('target:\n  url: http://file:1\nslo:\n  p95Ms: 3000\n  errorRate: 0.05\n')
    const env = { AGENTCTL_TARGET_URL: 'http://env:2', AGENTCTL_SLO_P95_MS: '2500' }
    const fileOnly = loadConfig({ file, env: {} }).config
    expect([fileOnly.target.url, fileOnly.slo.p95Ms, fileOnly.target.chatPath]).toEqual(['http://file:1', 3000, '/chat'])
    const withEnv = loadConfig({ file, env }).config
    expect([withEnv.target.url, withEnv.slo.p95Ms, withEnv.slo.errorRate]).toEqual(['http://env:2', 2500, 0.05])
    const withFlags = loadConfig({ file, env, overrides: { 'target.url': 'http://flag:3', 'slo.p95Ms': undefined } }).config
    expect([withFlags.target.url, withFlags.slo.p95Ms]).toEqual(['http://flag:3', 2500])
  })

  it('rejects a non-numeric AGENTCTL_* number naming the variable', () => {
    const error = loadError(() => loadConfig({ cwd: dir, env: { AGENTCTL_SLO_P95_MS: 'soon' } }))
    expect(error.message).toContain('AGENTCTL_SLO_P95_MS')
  })

  it('reads ./agentctl.yaml from the working directory when no file is given', () => {
    const cwd = mkdtempSync(join(dir, 'cwd-'))
    writeFileSync(join(cwd, 'agentctl.yaml'), 'slo:\n  p95Ms: 1234\n')
    const { config, file } = loadConfig({ cwd, env: {} })
    expect(file).toBe(join(cwd, 'agentctl.yaml'))
    expect(config.slo.p95Ms).toBe(1234)
  })

  it('says so when -c names a missing file', () => {
    const error = loadError(() => loadConfig({ file: 'nope.yaml', cwd: dir, env: {} }))
    expect(error.message).toContain('nope.yaml')
    expect(error.hint).toContain('agentctl init')
  })

  it('rejects a top-level list or scalar', () => {
    const error = loadError(() => loadConfig({ file: write('- a\n- b\n'), env: {} }))
    expect(error.message).toContain('YAML mapping')
  })
})

describe('a URL without a scheme', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'agentctl-noconfig-'))
  afterAll(() => rmSync(cwd, { recursive: true, force: true }))

  it('from --target: names the flag, not agentctl.yaml, and suggests the URL', () => {
    const err = loadError(() => loadConfig({ cwd, env: {}, overrides: { 'target.url': '127.0.0.1:18080' }, overrideFlags: { 'target.url': '--target' } }))
    expect(err.message).toMatch(/^flag --target: target\.url: "127\.0\.0\.1:18080" has no scheme/)
    expect(err.message).not.toContain('agentctl.yaml')
    expect(err.hint).toBe('did you mean http://127.0.0.1:18080?')
  })

  it('from an AGENTCTL_* variable: names the variable; a redis URL gets redis://', () => {
    const target = loadError(() => loadConfig({ cwd, env: { AGENTCTL_TARGET_URL: 'localhost:9' } }))
    expect(target.message).toMatch(/^environment variable AGENTCTL_TARGET_URL: target\.url:/)
    expect(target.hint).toBe('did you mean http://localhost:9?')
    const redis = loadError(() => loadConfig({ cwd, env: { AGENTCTL_REDIS_URL: '127.0.0.1:6379' } }))
    expect(redis.message).toMatch(/^environment variable AGENTCTL_REDIS_URL: dependencies\.redis:/)
    expect(redis.hint).toBe('did you mean redis://127.0.0.1:6379?')
  })

  it('from the file: names the file, with the same suggestion', () => {
    const err = loadError(() => loadConfig({ file: write('target:\n  url: agent.internal:8080\n'), env: {} }))
    expect(err.message).toMatch(/config-\d+\.yaml: target\.url: "agent\.internal:8080" has no scheme/)
    expect(err.hint).toBe('did you mean http://agent.internal:8080?')
  })

  it('a scheme missing its colon is repaired, and a password in the value is never echoed', () => {
    const err = loadError(() => loadConfig({ cwd, env: { AGENTCTL_REDIS_URL: 'redis//:s3cret-pw@cache:6379' } }))
    expect(err.message).toContain('"redis//:***@cache:6379" has no scheme')
    expect(err.hint).toBe('did you mean redis://:***@cache:6379?')
    expect(`${err.message} ${err.hint}`).not.toContain('s3cret-pw')
  })
})
