import { createHash, timingSafeEqual } from 'node:crypto'
import { registerSecret } from '../../src/redact.js'

interface KeyEntry {
  /** SHA-256 of the key: the table never holds the key itself once parsed. */
  digest: Buffer
  role: string
  keyId: string
}

/** Parsed AGENT_API_KEYS. `enabled: false` means auth is off (the server binds loopback only). */
export interface ApiKeyTable {
  enabled: boolean
  entries: readonly KeyEntry[]
}

export type AuthResult = { ok: true; role: string; keyId: string } | { ok: false; reason: 'missing' | 'invalid' }

const ROLE = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/
/** Role given to every caller while auth is disabled (loopback-only development). */
const OPEN_ACCESS_ROLE = 'admin'

const sha256 = (value: string) => createHash('sha256').update(value, 'utf8').digest()

/** A short, non-secret identifier of a key for logs, metrics and rate-limit buckets. */
export function keyIdOf(key: string): string {
  return sha256(key).toString('hex').slice(0, 8)
}

/**
 * What is wrong with an AGENT_API_KEYS value, if anything (agent/config.ts refuses it at start).
 * Each of these used to start an agent other than the one asked for: `,` (no key at all) turned
 * auth off while the agent bound every interface as for keys; `sk-1:admn` gave a key of an
 * unknown role (no tools); `a:admin b:user` made one key of both, that no caller could present.
 * The messages never quote a key, nor the part after its last ':' (it may be the key's own end).
 */
export function apiKeysProblem(value: string, roles: readonly string[]): string | undefined {
  const known = roles.join(', ')
  let keys = 0
  for (const [index, item] of value.split(',').entries()) {
    const entry = item.trim()
    if (!entry) continue // a trailing comma
    const where = `entry ${index + 1}`
    if (/\s/.test(entry)) return `${where} holds whitespace: separate keys with commas (a key is sent as "Authorization: Bearer <key>" and cannot hold whitespace)`
    const colon = entry.lastIndexOf(':')
    if (colon === 0) return `${where} has no key before its ':'`
    if (colon === entry.length - 1) return `${where} ends in ':' with no role after it (one of ${known})`
    const suffix = colon > 0 ? entry.slice(colon + 1) : ''
    if (ROLE.test(suffix) && !roles.includes(suffix)) {
      return `${where}: what follows its last ':' is not a role (${known}); a key that holds ':' itself needs its role written after it (key:user)`
    }
    keys++
  }
  return keys === 0 ? 'names no key: give key:role entries, or unset it to run without auth (loopback only)' : undefined
}

/**
 * `key:role,key2:role2` (a key without a role is `user`). The role is what follows the LAST colon,
 * and only when it looks like a role name, so keys that contain colons survive.
 * Empty or undefined: auth disabled.
 */
export function parseApiKeys(value?: string): ApiKeyTable {
  const entries: KeyEntry[] = []
  for (const item of (value ?? '').split(',')) {
    const trimmed = item.trim()
    if (!trimmed) continue
    const colon = trimmed.lastIndexOf(':')
    const maybeRole = colon > 0 ? trimmed.slice(colon + 1) : ''
    const [key, role] = ROLE.test(maybeRole) ? [trimmed.slice(0, colon), maybeRole] : [trimmed, 'user']
    registerSecret(key)
    entries.push({ digest: sha256(key), role, keyId: keyIdOf(key) })
  }
  return { enabled: entries.length > 0, entries }
}

/**
 * Bearer auth. Compares SHA-256 digests with timingSafeEqual (equal lengths, so neither the key's
 * length nor its prefix leaks) against EVERY configured key, without an early exit.
 */
export function authenticate(authorizationHeader: string | undefined, table: ApiKeyTable): AuthResult {
  if (!table.enabled) return { ok: true, role: OPEN_ACCESS_ROLE, keyId: 'anonymous' }
  const header = authorizationHeader?.trim()
  if (!header) return { ok: false, reason: 'missing' }
  const match = /^Bearer\s+(\S+)$/i.exec(header)
  // Still burn the same comparisons for a malformed header, so the scheme check leaks nothing either.
  const presented = sha256(match?.[1] ?? header)
  let found: KeyEntry | undefined
  for (const entry of table.entries) {
    const equal = timingSafeEqual(presented, entry.digest)
    if (equal && !found) found = entry
  }
  if (!match || !found) return { ok: false, reason: 'invalid' }
  return { ok: true, role: found.role, keyId: found.keyId }
}
