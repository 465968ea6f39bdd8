import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { resolveSecretFiles } from './secret-files.js'

describe('secret files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'agentctl-secrets-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  writeFileSync(join(dir, 'DATABASE_URL'), 'postgres://agent:pw@db:5432/agent\n')
  writeFileSync(join(dir, 'AGENT_API_KEYS'), 'k1:admin,k2')

  it('reads <NAME>_FILE into <NAME>, trimming the trailing newline', () => {
    const env = resolveSecretFiles({ DATABASE_URL_FILE: join(dir, 'DATABASE_URL'), AGENT_API_KEYS_FILE: join(dir, 'AGENT_API_KEYS'), OTHER: 'x' })
    expect(env).toMatchObject({ DATABASE_URL: 'postgres://agent:pw@db:5432/agent', AGENT_API_KEYS: 'k1:admin,k2', OTHER: 'x' })
  })

  it('lets a direct variable win and leaves unrelated variables alone', () => {
    expect(resolveSecretFiles({ DATABASE_URL: 'postgres://direct', DATABASE_URL_FILE: '/nope' }).DATABASE_URL).toBe('postgres://direct')
    expect(resolveSecretFiles({ PORT_FILE: '/nope' })).toEqual({ PORT_FILE: '/nope' })
  })

  it('fails loudly, naming the variable, when the file is missing', () => {
    expect(() => resolveSecretFiles({ LLM_API_KEY_FILE: join(dir, 'missing') })).toThrow(/LLM_API_KEY_FILE=.*missing cannot be read: ENOENT/)
  })
})
