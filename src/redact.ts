/**
 * Redaction, applied on every output path (stdout, stderr, logs, every report format).
 * Two layers, as gitleaks and TruffleHog do it:
 * - patterns that catch secrets we were never told about (sk-… keys, bearer tokens, passwords
 *   inside URLs, Authorization headers). Each masks only the secret's span: a URL keeps its scheme,
 *   user and host (`postgres://agent:***@db:5432`), a header keeps its name and scheme.
 * - exact values we know are secret (config and environment), which catch a key that leaks in
 *   some unexpected shape. A value is masked only when it looks like a secret (looksLikeSecret)
 *   and only as a whole token: a weak dev password such as `agent` or `postgres` would otherwise
 *   turn every check id, hint and log line containing that word into `***`. A short password
 *   still never shows inside its URL: the URL pattern masks it there.
 * Our own placeholders (`Bearer <key>`, `${AGENT_API_KEY}`) are never masked.
 */
const MASK = '***'

/** A value that stands for a secret rather than being one: <key>, ${VAR}, $VAR, ***, …. */
const PLACEHOLDER = String.raw`(?:<[^>\s]*>|\$\{?[A-Za-z_]|\*\*\*|…|\.\.\.)`
const AUTH_SCHEME = String.raw`(?:bearer|basic|token)`

const PATTERNS: Array<[RegExp, string]> = [
  // Passwords inside URLs: scheme://user:pass@host and scheme://:pass@host. Scheme, user and host stay.
  [/\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@"'<>]*):([^\s@/"'<>]+)@/gi, `$1:${MASK}@`],
  // Authorization headers in any rendering (HTTP dumps, JSON, curl commands); the scheme stays.
  [new RegExp(String.raw`\b(authorization["']?\s*[:=]\s*["']?(?:${AUTH_SCHEME}\s+)?)(?!${AUTH_SCHEME}\s|${PLACEHOLDER})[^\s"'\`,;}<]+`, 'gi'), `$1${MASK}`],
  // A bearer credential, not the prose around one ("bearer tokens", "bearer authentication").
  [/\b(bearer\s+)(?!(?:tokens?|auth\w*|headers?|scheme|credentials?|keys?)\b)[A-Za-z0-9._~+/=-]{6,}/gi, `$1${MASK}`],
  // OpenAI-style and similar provider keys.
  [/\b(sk|pk|rk)-(?:proj-|live-|test-|ant-)?[A-Za-z0-9_-]{8,}/g, `$1-${MASK}`],
  // key=value and "key": "value" pairs whose key names a secret.
  [new RegExp(String.raw`(["']?\b(?:api[-_]?key|apikey|x-api-key|password|passwd|secret|client[-_]?secret|access[-_]?token|auth[-_]?token)["']?\s*[:=]\s*["']?)(?!${PLACEHOLDER})([^"'\s,;}&\`]+)`, 'gi'), `$1${MASK}`],
]

const SECRET_KEY = /^(?:api[-_]?key|apikey|x-api-key|password|passwd|secret|client[-_]?secret|token|access[-_]?token|auth[-_]?token|authorization|bearer)$/i

/** Known secrets, each with the regex that finds it as a whole token. */
const knownSecrets = new Map<string, RegExp>()

/**
 * Whether a known value is worth masking wherever it appears: at least 8 characters, and either
 * two character classes (letters, digits, symbols) or at least 16 characters. So `p4ssw0rd`,
 * `hunter2secret` and any generated key qualify; `agent`, `admin`, `postgres`, `changeme` (a
 * dictionary word, guessable, and an ordinary word in our own output) do not.
 */
export function looksLikeSecret(value: string): boolean {
  if (value.length < 8) return false
  if (value.length >= 16) return true
  const classes = [/[A-Za-z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((c) => c.test(value)).length
  return classes >= 2
}

function addKnown(value: string): void {
  if (!looksLikeSecret(value) || knownSecrets.has(value)) return
  // A whole token: no word character glued to either end (when that end is a word character itself).
  const escaped = value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  const before = /^\w/.test(value) ? String.raw`(?<!\w)` : ''
  const after = /\w$/.test(value) ? String.raw`(?!\w)` : ''
  knownSecrets.set(value, new RegExp(before + escaped + after, 'g'))
}

/** Registers values that must never be printed (config API keys, URL passwords, env secrets). */
export function registerSecret(value: string | undefined | null): void {
  if (!value) return
  const v = String(value)
  // A URL is not itself secret: only its password is, so host and scheme stay visible in reports.
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(v)) addKnown(v)
  for (const m of v.matchAll(/:\/\/[^:/@\s]*:([^@\s]+)@/g)) {
    const password = m[1]
    if (!password) continue
    addKnown(password)
    // An error message may quote the decoded form of a percent-encoded password.
    try {
      const decoded = decodeURIComponent(password)
      if (decoded !== password) addKnown(decoded)
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
  for (const [secret, wholeToken] of knownSecrets) if (out.includes(secret)) out = out.replace(wholeToken, MASK)
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
