import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { isMap, isScalar, LineCounter, parseDocument, type Node as YamlNode } from 'yaml'
import type { z } from 'zod'
import { AgentctlError, ExitCode } from '../exit-codes.js'
import { registerEnvSecrets, registerSecret } from '../redact.js'
import { type AgentctlConfig, ConfigSchema } from './schema.js'

export const DEFAULT_CONFIG_FILE = 'agentctl.yaml'

/** A config problem: names the file, the key path and the fix. Exits 2. */
export class ConfigError extends AgentctlError {
  constructor(
    readonly file: string,
    readonly keyPath: string,
    problem: string,
    fix: string,
  ) {
    super(`${file}: ${keyPath || '(top level)'}: ${problem}`, ExitCode.UsageOrInternal, fix)
    this.name = 'ConfigError'
  }
}

/** AGENTCTL_* environment variables and the config paths they set (file < env < flags). */
export const ENV_OVERRIDES: Record<string, { path: string; type?: 'number' | 'boolean' }> = {
  AGENTCTL_TARGET_URL: { path: 'target.url' },
  AGENTCTL_TARGET_API_KEY: { path: 'target.apiKey' },
  AGENTCTL_REDIS_URL: { path: 'dependencies.redis' },
  AGENTCTL_POSTGRES_URL: { path: 'dependencies.postgres' },
  AGENTCTL_PROMETHEUS_URL: { path: 'dependencies.prometheus' },
  AGENTCTL_NATS_URL: { path: 'dependencies.nats' },
  AGENTCTL_LLM_BASE_URL: { path: 'dependencies.llm.baseUrl' },
  AGENTCTL_LLM_API_KEY: { path: 'dependencies.llm.apiKey' },
  AGENTCTL_LLM_MODEL: { path: 'dependencies.llm.model' },
  AGENTCTL_LLM_API: { path: 'dependencies.llm.api' },
  AGENTCTL_KUBE_CONTEXT: { path: 'kubernetes.context' },
  AGENTCTL_KUBE_NAMESPACE: { path: 'kubernetes.namespace' },
  AGENTCTL_KUBE_SELECTOR: { path: 'kubernetes.selector' },
  AGENTCTL_SLO_P95_MS: { path: 'slo.p95Ms', type: 'number' },
  AGENTCTL_SLO_ERROR_RATE: { path: 'slo.errorRate', type: 'number' },
  AGENTCTL_MOCK_LLM_PORT: { path: 'faults.mockLlm.port', type: 'number' },
}

export interface LoadConfigOptions {
  /** -c/--config; when absent ./agentctl.yaml is used if present, else embedded defaults. */
  file?: string
  /** Flag overrides as dotted paths, e.g. { 'target.url': 'http://…' }. Highest precedence. */
  overrides?: Record<string, unknown>
  /** The flag each override came from ({ 'target.url': '--target' }), so an error names it. */
  overrideFlags?: Record<string, string>
  env?: NodeJS.ProcessEnv
  cwd?: string
}

export interface LoadedConfig {
  config: AgentctlConfig
  /** The file read, or undefined when running on embedded defaults. */
  file?: string
}

export function loadConfig(opts: LoadConfigOptions = {}): LoadedConfig {
  const env = opts.env ?? process.env
  const cwd = opts.cwd ?? process.cwd()
  let file: string | undefined
  let raw: Record<string, unknown> = {}
  if (opts.file) {
    file = resolve(cwd, opts.file)
    if (!existsSync(file)) throw new ConfigError(opts.file, '', 'file not found', 'check the path, or run `agentctl init` to write a starter config')
  } else if (existsSync(resolve(cwd, DEFAULT_CONFIG_FILE))) {
    file = resolve(cwd, DEFAULT_CONFIG_FILE)
  }
  const shownName = opts.file ?? DEFAULT_CONFIG_FILE
  if (file) raw = parseYaml(readFileSync(file, 'utf8'), shownName)
  raw = interpolate(raw, '', shownName, env) as Record<string, unknown>
  // Where each value came from when not the file: a bad value's error names the flag or variable.
  const origins = new Map<string, string>()
  for (const [name, { path, type }] of Object.entries(ENV_OVERRIDES)) {
    const value = env[name]
    if (value === undefined || value === '') continue
    setPath(raw, path, coerce(value, type, name, path))
    origins.set(path, `environment variable ${name}`)
  }
  for (const [path, value] of Object.entries(opts.overrides ?? {})) {
    if (value === undefined) continue
    setPath(raw, path, value)
    origins.set(path, opts.overrideFlags?.[path] ? `flag ${opts.overrideFlags[path]}` : `override ${path}`)
  }
  const parsed = ConfigSchema.safeParse(raw)
  if (!parsed.success) throw toConfigError(parsed.error, shownName, raw, origins)
  registerConfigSecrets(parsed.data)
  registerEnvSecrets(env)
  return { config: parsed.data, file }
}

export function parseYaml(text: string, fileName: string): Record<string, unknown> {
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true })
  const first = doc.errors[0]
  if (first) {
    const { line, col } = lineCounter.linePos(first.pos[0])
    throw new ConfigError(`${fileName}:${line}:${col}`, '', `malformed YAML: ${first.message.split('\n')[0]}`, 'fix the YAML syntax at that line (indentation, a missing colon or quote)')
  }
  if (doc.contents === null) return {}
  if (!isMap(doc.contents as YamlNode)) {
    throw new ConfigError(fileName, '', 'the file must be a YAML mapping (key: value)', 'start from `agentctl init`')
  }
  return (doc.toJS() ?? {}) as Record<string, unknown>
}

const ENV_REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g

/** Replaces ${VAR} and ${VAR:-default} in every string; an unset variable without a default is an error. */
function interpolate(value: unknown, path: string, file: string, env: NodeJS.ProcessEnv): unknown {
  if (typeof value === 'string') {
    return value.replace(ENV_REF, (_match, name: string, fallback: string | undefined) => {
      const found = env[name]
      if (found !== undefined && found !== '') return found
      if (fallback !== undefined) return fallback
      // The reference leads the problem: "apiKey: environment variable …" read as a secret's value to
      // the redactor (key: value) and printed as "apiKey: *** variable"; a ${VAR} placeholder never is.
      throw new ConfigError(file, path, `\${${name}} is not set in the environment`, `export ${name}=…, or give a default: \${${name}:-value}`)
    })
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolate(v, `${path}[${i}]`, file, env))
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, path ? `${path}.${k}` : k, file, env)]))
  }
  return value
}

function coerce(value: string, type: 'number' | 'boolean' | undefined, name: string, path: string): unknown {
  if (type === 'number') {
    const n = Number(value)
    if (!Number.isFinite(n)) throw new ConfigError(`environment ${name}`, path, `"${value}" is not a number`, `set ${name} to a number`)
    return n
  }
  if (type === 'boolean') return value === 'true' || value === '1'
  return value
}

export function setPath(target: Record<string, unknown>, dotted: string, value: unknown): void {
  const keys = dotted.split('.')
  let node = target
  for (const key of keys.slice(0, -1)) {
    if (!node[key] || typeof node[key] !== 'object') node[key] = {}
    node = node[key] as Record<string, unknown>
  }
  node[keys.at(-1)!] = value
}

function toConfigError(error: z.ZodError, file: string, raw: Record<string, unknown>, origins: ReadonlyMap<string, string>): ConfigError {
  const issue = error.issues[0]!
  const keyPath = issue.path.map(String).join('.')
  const origin = origins.get(keyPath)
  const value = issue.path.reduce<unknown>((node, key) => (node && typeof node === 'object' ? (node as Record<PropertyKey, unknown>)[key as PropertyKey] : undefined), raw)
  const urlFix = schemelessUrlFix(keyPath, value)
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0]!
    const known = knownKeys(issue.path.map(String))
    const suggestion = closest(key, known)
    const where = keyPath ? `${keyPath}.${key}` : key
    return new ConfigError(file, where, `unknown key "${key}"`, suggestion ? `did you mean "${suggestion}"? Known keys here: ${known.join(', ')}` : `remove it; known keys here: ${known.join(', ')}`)
  }
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more problem${error.issues.length > 2 ? 's' : ''})` : ''
  const given = (issue as { params?: { fix?: unknown } }).params?.fix
  const problem = typeof value === 'string' && urlFix ? `"${withoutPassword(value)}" has no scheme: ${issue.message}${more}` : `${issue.message}${more}`
  const fix = urlFix ?? (typeof given === 'string' ? given : 'fix the value; the JSON Schema in schemas/agentctl.schema.json lists every key and type')
  return new ConfigError(origin ?? file, keyPath, problem, fix)
}

/** The scheme a URL-valued key takes when the user left it out (host:port alone). */
const URL_SCHEMES: Record<string, string> = { 'dependencies.redis': 'redis', 'dependencies.postgres': 'postgres', 'dependencies.nats': 'nats' }
const URL_KEYS = new Set(['target.url', 'dependencies.llm.baseUrl', 'dependencies.prometheus', ...Object.keys(URL_SCHEMES)])

/** "did you mean http://127.0.0.1:18080?" for a URL key given as host:port. */
function schemelessUrlFix(keyPath: string, value: unknown): string | undefined {
  if (!URL_KEYS.has(keyPath) || typeof value !== 'string' || value.includes('://') || !/^[\w.[\]:-]+(\/\S*)?$/.test(value)) return undefined
  // `redis//host` is a scheme missing its colon; `host:6379` is a scheme left out.
  const colonless = /^([a-z][a-z0-9+.-]*)\/\/(.*)$/i.exec(value)
  const fixed = colonless ? `${colonless[1]}://${colonless[2]}` : `${URL_SCHEMES[keyPath] ?? 'http'}://${value}`
  return `did you mean ${withoutPassword(fixed)}?`
}

/** A URL echoed in an error keeps everything but its password (`user:***@host`), scheme or not. */
function withoutPassword(value: string): string {
  return value.replace(/:[^:@/]*@/, ':***@')
}

function knownKeys(path: string[]): string[] {
  // Walk the zod schema's shape along the path to list the keys allowed there.
  let schema: unknown = ConfigSchema
  for (const key of path) schema = unwrap(schema)?.shape?.[key]
  return Object.keys(unwrap(schema)?.shape ?? {})
}

function unwrap(schema: unknown): { shape?: Record<string, unknown> } | undefined {
  let s = schema as { shape?: Record<string, unknown>; def?: { innerType?: unknown } } | undefined
  while (s && !s.shape && s.def?.innerType) s = s.def.innerType as typeof s
  return s
}

/** The candidate within two edits of `word` (for "did you mean" hints), if any. */
export function closest(word: string, candidates: string[]): string | undefined {
  let best: string | undefined
  let bestDistance = 3
  for (const c of candidates) {
    const d = levenshtein(word.toLowerCase(), c.toLowerCase())
    if (d < bestDistance) [best, bestDistance] = [c, d]
  }
  return best
}

function levenshtein(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1))
      prev = tmp
    }
  }
  return row[b.length]!
}

function registerConfigSecrets(config: AgentctlConfig): void {
  registerSecret(config.target.apiKey)
  registerSecret(config.dependencies.llm?.apiKey)
  for (const url of [config.dependencies.redis, config.dependencies.postgres, config.dependencies.nats, config.dependencies.prometheus]) registerSecret(url)
}
