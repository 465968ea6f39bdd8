/**
 * Redaction, applied on every output path (stdout, stderr, logs, every report format).
 * Two layers: patterns that catch secrets we were never told about (sk-… keys, bearer tokens,
 * passwords inside URLs, Authorization headers), and exact values we know are secret (from config
 * and environment), which catches a key that leaks in some unexpected shape.
 */
const MASK = '***'

const PATTERNS: Array<[RegExp, string]> = [
  // Passwords inside URLs: scheme://user:pass@host and scheme://:pass@host. Host and scheme stay.
  [/\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@"'<>]*):([^\s@/"'<>]+)@/gi, `$1:${MASK}@`],
  // Authorization headers in any rendering (HTTP dumps, JSON, curl commands).
  [/\b(authorization["']?\s*[:=]\s*["']?)(?:bearer|basic|token)?\s*[^\s"',;}]+/gi, `$1${MASK}`],
  [/\b(bearer\s+)[A-Za-z0-9._~+/=-]{6,}/gi, `$1${MASK}`],
  // OpenAI-style and similar provider keys.
  [/\b(sk|pk|rk)-(?:proj-|live-|test-|ant-)?[A-Za-z0-9_-]{8,}/g, `$1-${MASK}`],
  // key=value and "key": "value" pairs whose key names a secret.
  [/(["']?\b(?:api[-_]?key|apikey|x-api-key|password|passwd|secret|client[-_]?secret|access[-_]?token|auth[-_]?token)["']?\s*[:=]\s*["']?)([^"'\s,;}&]+)/gi, `$1${MASK}`],
]

const SECRET_KEY = /^(?:api[-_]?key|apikey|x-api-key|password|passwd|secret|client[-_]?secret|token|access[-_]?token|auth[-_]?token|authorization|bearer)$/i

const knownSecrets = new Set<string>()

/** Registers values that must never be printed (config API keys, URL passwords, env secrets). */
export function registerSecret(value: string | undefined | null): void {
  if (!value) return
  const v = String(value)
  // A URL is not itself secret: only its password is, so host and scheme stay visible in reports.
  // Very short values would mask ordinary words; the patterns still cover them in context.
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(v) && v.length >= 6) knownSecrets.add(v)
  for (const m of v.matchAll(/:\/\/[^:/@\s]*:([^@\s]+)@/g)) {
    const password = m[1]
    if (!password || password.length < 4) continue
    knownSecrets.add(password)
    // An error message may quote the decoded form of a percent-encoded password.
    try {
      const decoded = decodeURIComponent(password)
      if (decoded !== password && decoded.length >= 4) knownSecrets.add(decoded)
    } catch {
      // not valid percent-encoding: the raw form is registered already
    }
  }
}

/** Registers the secret-looking values of the process environment (keys, tokens, passwords, URLs with passwords). */
export function registerEnvSecrets(env: NodeJS.ProcessEnv = process.env): void {
  for (const [name, value] of Object.entries(env)) {
    if (!value) continue
    if (/(?:KEY|TOKEN|SECRET|PASSWORD|PASSWD)S?$/i.test(name)) for (const part of value.split(',')) registerSecret(part.trim())
    else if (/:\/\/[^:/@\s]*:[^@\s]+@/.test(value)) registerSecret(value)
  }
}

export function redact(text: string): string {
  let out = text
  for (const secret of knownSecrets) if (out.includes(secret)) out = out.split(secret).join(MASK)
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement)
  return out
}

/** Deep-redacts a JSON-like value: secret-named keys are masked, every string is scrubbed. */
export function redactDeep<T>(value: T): T {
  return walk(value, undefined) as T
}

function walk(value: unknown, key: string | undefined): unknown {
  if (typeof value === 'string') return key && SECRET_KEY.test(key) && value !== '' ? MASK : redact(value)
  if (Array.isArray(value)) return value.map((v) => walk(v, undefined))
  if (value && typeof value === 'object') {
    if (value instanceof Date) return value
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, k)]))
  }
  return value
}

/** For tests: forget registered secrets. */
export function resetSecrets(): void {
  knownSecrets.clear()
}
