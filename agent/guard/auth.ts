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

/** One AGENT_API_KEYS entry as the grammar reads it. */
interface ApiKeyEntry {
  /** 1-based, counting empty entries too: what an error message names. */
  position: number
  text: string
  key: string
  /** What follows the entry's last ':' when that looks like a role name (ROLE); else `user`. */
  role: string
  /** Where the last ':' is (-1: none). */
  colon: number
}

/**
 * The grammar, read in one place for both the check at start and the table: `key:role,key2:role2`.
 * The role is what follows the LAST colon, and only when it looks like a role name, so keys that
 * contain colons survive; a key without a role is `user`. Empty entries (a trailing comma) are skipped.
 */
function readEntries(value: string): ApiKeyEntry[] {
  const entries: ApiKeyEntry[] = []
  for (const [index, item] of value.split(',').entries()) {
    const text = item.trim()
    if (!text) continue
    const colon = text.lastIndexOf(':')
    const suffix = colon > 0 ? text.slice(colon + 1) : ''
    const named = ROLE.test(suffix)
    entries.push({ position: index + 1, text, key: named ? text.slice(0, colon) : text, role: named ? suffix : 'user', colon })
  }
  return entries
}

/**
 * What is wrong with an AGENT_API_KEYS value, if anything (agent/config.ts refuses it at start).
 * Each of these used to start an agent other than the one asked for: `,` (no key at all) turned
 * auth off while the agent bound every interface as for keys; `sk-1:admn` gave a key of an
 * unknown role (no tools); `a:admin b:user` made one key of both, that no caller could present;
 * `k:admin,k:readonly` gave `k` the first role only.
 * The messages never quote a key, nor the part after its last ':' (it may be the key's own end).
 */
export function apiKeysProblem(value: string, roles: readonly string[]): string | undefined {
  const known = roles.join(', ')
  const entries = readEntries(value)
  const roleOfKey = new Map<string, { role: string; position: number }>()
  for (const { position, text, key, role, colon } of entries) {
    const where = `entry ${position}`
    if (/\s/.test(text)) return `${where} holds whitespace: separate keys with commas (a key is sent as "Authorization: Bearer <key>" and cannot hold whitespace)`
    if (colon === 0) return `${where} has no key before its ':'`
    if (colon === text.length - 1) return `${where} ends in ':' with no role after it (one of ${known})`
    if (!roles.includes(role)) {
      return `${where}: what follows its last ':' is not a role (${known}); a key that holds ':' itself needs its role written after it (key:user)`
    }
    // The same key twice with two roles: the table would give it the first one, silently.
    const earlier = roleOfKey.get(key)
    if (earlier && earlier.role !== role) return `${where} repeats the key of entry ${earlier.position} with another role: give each key one role`
    roleOfKey.set(key, { role, position })
  }
  return entries.length === 0 ? 'names no key: give key:role entries, or unset it to run without auth (loopback only)' : undefined
}

/** The key table for a value apiKeysProblem accepted. Empty or undefined: auth disabled. */
export function parseApiKeys(value?: string): ApiKeyTable {
  const entries = readEntries(value ?? '').map(({ key, role }): KeyEntry => {
    registerSecret(key)
    return { digest: sha256(key), role, keyId: keyIdOf(key) }
  })
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
