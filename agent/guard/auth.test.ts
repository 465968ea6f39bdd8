import { timingSafeEqual } from 'node:crypto'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { redact } from '../../src/redact.js'
import { apiKeysProblem, authenticate, keyIdOf, parseApiKeys } from './auth.js'

// Wrap the real timingSafeEqual so the test can count the comparisons (ESM namespaces are not spy-able).
vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>()
  return { ...actual, timingSafeEqual: vi.fn(actual.timingSafeEqual) }
})

describe('API-key auth', () => {
  afterEach(() => vi.mocked(timingSafeEqual).mockClear())
  const table = parseApiKeys('alpha-key-123:admin, beta-key-456 ,gamma:key:789:readonly')

  it('parses key:role pairs; a key without role is user; colons inside keys survive', () => {
    expect(table.enabled).toBe(true)
    expect(table.entries.map((e) => e.role)).toEqual(['admin', 'user', 'readonly'])
    expect(authenticate('Bearer gamma:key:789', table)).toMatchObject({ ok: true, role: 'readonly' })
  })

  it('maps each key to its role and a short non-secret key id', () => {
    expect(authenticate('Bearer alpha-key-123', table)).toEqual({ ok: true, role: 'admin', keyId: keyIdOf('alpha-key-123') })
    expect(authenticate('bearer   beta-key-456', table)).toMatchObject({ ok: true, role: 'user' })
    expect(keyIdOf('alpha-key-123')).toMatch(/^[0-9a-f]{8}$/)
  })

  it('rejects a missing header, an unknown key, a prefix of a key and a wrong scheme', () => {
    expect(authenticate(undefined, table)).toEqual({ ok: false, reason: 'missing' })
    expect(authenticate('  ', table)).toEqual({ ok: false, reason: 'missing' })
    expect(authenticate('Bearer nope', table)).toEqual({ ok: false, reason: 'invalid' })
    expect(authenticate('Bearer alpha-key-12', table)).toEqual({ ok: false, reason: 'invalid' })
    expect(authenticate('Basic alpha-key-123', table)).toEqual({ ok: false, reason: 'invalid' })
    expect(authenticate('alpha-key-123', table)).toEqual({ ok: false, reason: 'invalid' })
  })

  it('compares in constant time against every key, with no early exit', () => {
    const spy = vi.mocked(timingSafeEqual)
    spy.mockClear()
    authenticate('Bearer alpha-key-123', table) // matches the first key
    expect(spy).toHaveBeenCalledTimes(3)
    spy.mockClear()
    authenticate('Bearer short', table)
    expect(spy).toHaveBeenCalledTimes(3)
    // Digests, not keys: equal 32-byte buffers whatever the key length.
    for (const [a, b] of spy.mock.calls) expect([(a as Buffer).length, (b as Buffer).length]).toEqual([32, 32])
  })

  it('reads a value the start-up check accepts as the check read it: every role known, keys that hold colons whole', () => {
    const roles = ['admin', 'user', 'readonly']
    const cases: Array<[string, string[], string]> = [
      ['k:ey:admin', ['admin'], 'k:ey'],
      ['sk-1', ['user'], 'sk-1'],
      ['a:b:c:user,', ['user'], 'a:b:c'],
      ['x:1:2,y:readonly', ['user', 'readonly'], 'x:1:2'],
    ]
    for (const [value, expected, firstKey] of cases) {
      expect(apiKeysProblem(value, roles)).toBeUndefined()
      const parsed = parseApiKeys(value)
      expect(parsed.entries.map((e) => e.role)).toEqual(expected)
      expect(authenticate(`Bearer ${firstKey}`, parsed)).toMatchObject({ ok: true, role: expected[0] })
    }
    // Refused by the check, so never parsed into a table that differs from what was asked for.
    for (const value of [',', 'sk-1:admn', 'a:admin b:user', ':admin', 'key:']) expect(apiKeysProblem(value, roles)).toBeDefined()
    // One key, two roles: refused, naming both entries and not the key; the same role twice is harmless.
    expect(apiKeysProblem('k-secret:admin,x:user,k-secret:readonly', roles)).toBe('entry 3 repeats the key of entry 1 with another role: give each key one role')
    expect(apiKeysProblem('k:ey:user,k:ey:readonly', roles)).toMatch(/^entry 2 repeats/)
    expect(apiKeysProblem('k:admin,k:admin', roles)).toBeUndefined()
  })

  it('is disabled when AGENT_API_KEYS is empty or unset', () => {
    expect(parseApiKeys(undefined).enabled).toBe(false)
    expect(parseApiKeys(' , ').enabled).toBe(false)
    expect(authenticate(undefined, parseApiKeys(''))).toMatchObject({ ok: true, keyId: 'anonymous' })
  })

  it('registers the keys as secrets so they are redacted from any output', () => {
    parseApiKeys('zeta-secret-value-1:admin')
    expect(redact('key was zeta-secret-value-1')).not.toContain('zeta-secret-value-1')
  })
})
