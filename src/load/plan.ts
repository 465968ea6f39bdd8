import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { ConfigError, DEFAULT_CONFIG_FILE } from '../config/load.js'
import type { AgentctlConfig } from '../config/schema.js'
import { parseDuration } from '../duration.js'
import { AgentctlError } from '../exit-codes.js'
import { fixturePath } from '../paths.js'
import { type MockLlmPlan, parseHeaders, parseMockLlm, parsePercent, usage } from './inputs.js'
import { assertFlagsApply } from './flag-scope.js'
import { type CapacityPlan, resolveCapacity } from './plan-capacity.js'
import { effectiveSlos, parseSlo, type SloThreshold } from './slo.js'

export { parseMockLlm, parsePercent, type MockLlmPlan }

/** The flags of `agentctl load`, as parsed strings/numbers (the command stays thin). */
export interface LoadFlags {
  rate?: number
  connections?: number
  duration?: string
  warmup?: string
  timeout?: string
  'find-capacity'?: boolean
  'start-rps'?: number
  'step-rps'?: number
  'step-duration'?: string
  'max-rps'?: number
  'max-connections'?: number
  'target-rps'?: number
  headroom?: string
  slo?: string[]
  'abort-on-fail'?: boolean
  baseline?: string
  tolerance?: string
  prompts?: string
  sessions?: string
  method?: string
  path?: string
  body?: string
  header?: string[]
  'allow-remote'?: boolean
  'mock-llm'?: string
  self?: boolean
  stream?: boolean
  /** --protocol: the chat wire format (the path then carries chats whatever it is). */
  protocol?: string
  resolution?: string
  'max-duration'?: string
}

export interface LoadPlan {
  mode: 'open' | 'closed' | 'capacity'
  rate?: number
  connections: number
  durationMs: number
  warmupMs: number
  timeoutMs: number
  capacity?: CapacityPlan
  maxConnections: number
  targetRps?: number
  headroom: number
  slos: SloThreshold[]
  abortOnFail: boolean
  method: string
  /** The request path, below the target URL's own path (http://host/api + /chat = /api/chat). */
  path: string
  /** --path was given: it wins over a protocol's own endpoint (the A2A card's URL). */
  explicitPath?: boolean
  /** POST to the agent's chat path: responses carry usage, so cost is measured. */
  chatLoad: boolean
  headers: Record<string, string>
  body?: string
  promptsFile?: string
  sessionsFile?: string
  allowRemote: boolean
  mockLlm?: MockLlmPlan
  self: boolean
  /** The longest the run may take (planned windows + warm-ups), checked against load.maxDuration. */
  plannedMs: number
  /** load.maxDuration: a capacity search stops before a step that would end past it. */
  maxDurationMs: number
  /** --stream / target.stream: ask for streamed answers and time them (every mode). */
  stream: boolean
}

/**
 * Resolves flags + config into a validated plan. Everything that can be wrong with the user's
 * input (a malformed SLO, a rate above load.maxRps, a missing prompts file) fails here, with
 * exit 2, before any traffic or any server is started. `configFile` names the config in errors.
 */
export function resolvePlan(flags: LoadFlags, config: AgentctlConfig, configFile = DEFAULT_CONFIG_FILE): LoadPlan {
  assertFlagsApply(flags)
  const slos = resolveSlos(flags.slo ?? [], config, configFile)
  const limits = { maxRps: config.load.maxRps, maxDurationMs: parseDuration(config.load.maxDuration, 'load.maxDuration') }
  const mode = flags['find-capacity'] ? 'capacity' : flags.rate !== undefined ? 'open' : 'closed'
  const durationMs = positiveDuration(flags.duration, '30s', '--duration')
  // The adaptive search grows each warm-up to two latencies: --warmup is only its minimum there.
  const warmupMs = parseDuration(flags.warmup ?? (mode === 'capacity' && flags['step-rps'] === undefined ? '2s' : '3s'), '--warmup')
  const timeoutMs = positiveDuration(flags.timeout, '60s', '--timeout')
  const maxConnections = flags['max-connections'] ?? 1000
  positive(flags['max-connections'], '--max-connections')
  positive(flags.rate, '--rate')
  positive(flags.connections, '--connections')
  positive(flags['target-rps'], '--target-rps')
  // The safety bound holds in every model: the closed model's virtual users are connections too.
  if (flags.connections !== undefined && flags.connections > maxConnections) {
    throw usage(`--connections ${flags.connections} is above --max-connections (${maxConnections})`, 'lower --connections, or raise --max-connections if the target and this machine can hold that many sockets')
  }
  const rpsCeiling = (value: number, flag: string) => {
    if (value > limits.maxRps) throw usage(`${flag} ${value} is above load.maxRps (${limits.maxRps})`, 'lower it, or raise load.maxRps in agentctl.yaml if this target can really take it')
  }
  const tooLong = (what: string, ms: number, fix: string) =>
    usage(`${what} would take ${Math.round(ms / 1000)}s (warm-up + measured window + up to one --timeout to drain), above load.maxDuration (${config.load.maxDuration})`, `${fix}, or raise load.maxDuration`)
  let capacity: LoadPlan['capacity']
  // In-flight requests may run for one more --timeout after the window: that drain is part of the run.
  let plannedMs = warmupMs + durationMs + timeoutMs
  if (mode === 'capacity') {
    capacity = resolveCapacity(flags, { ...limits, warmupMs, timeoutMs, maxDuration: config.load.maxDuration }, rpsCeiling, tooLong)
    plannedMs = capacity.budgetMs
  } else {
    if (flags.rate !== undefined) rpsCeiling(flags.rate, '--rate')
    if (flags.rate !== undefined && (flags.rate * durationMs) / 1000 < 1) throw usage(`--rate ${flags.rate} for ${flags.duration ?? '30s'} sends no request`, 'raise --rate or --duration')
    if (plannedMs > limits.maxDurationMs) throw tooLong('the run', plannedMs, 'shorten --duration, --warmup or --timeout')
  }
  const method = (flags.method ?? 'POST').toUpperCase()
  const path = flags.path ?? config.target.chatPath
  if (!path.startsWith('/')) throw usage(`--path "${path}" must start with /`)
  // A chat load: POST to the chat path, or to any path once a wire format is chosen (--protocol).
  const chatLoad = method === 'POST' && (path === config.target.chatPath || flags.protocol !== undefined || config.target.protocol !== 'agentctl')
  const headers = parseHeaders(flags.header ?? [])
  if (config.target.apiKey && !Object.keys(headers).some((h) => h === 'authorization')) headers.authorization = `Bearer ${config.target.apiKey}`
  let promptsFile = flags.prompts
  // Chat load with no body: the shipped prompt set, so the agent sees realistic, varied requests.
  if (!promptsFile && !flags.sessions && flags.body === undefined && chatLoad) promptsFile = defaultPromptsFile()
  for (const file of [promptsFile, flags.sessions]) if (file && !existsSync(file)) throw usage(`no such file: ${file}`, 'check the --prompts / --sessions path')
  if ((flags.body !== undefined || promptsFile || flags.sessions) && !headers['content-type']) headers['content-type'] = 'application/json'
  const mockLlm = flags['mock-llm'] ? parseMockLlm(flags['mock-llm']) : flags.self ? parseMockLlm('latency=800ms..2s') : undefined
  return {
    mode,
    rate: flags.rate,
    // Open model: room for 10 s of latency at the offered rate before requests are dropped (undici
    // opens connections lazily, so a high cap costs nothing while the target keeps up).
    connections: flags.connections ?? (mode === 'open' ? Math.min(maxConnections, Math.max(50, Math.ceil(flags.rate! * 10))) : Math.min(10, maxConnections)),
    durationMs,
    warmupMs,
    timeoutMs,
    capacity,
    maxConnections,
    targetRps: flags['target-rps'],
    headroom: parsePercent(flags.headroom ?? '30%', '--headroom'),
    slos,
    abortOnFail: flags['abort-on-fail'] ?? false,
    method,
    path: (flags.self ? '' : basePath(config.target.url)) + path,
    explicitPath: flags.path !== undefined,
    chatLoad,
    headers,
    body: flags.body,
    promptsFile,
    sessionsFile: flags.sessions,
    allowRemote: Boolean(flags['allow-remote'] || config.target.allowLoad),
    mockLlm,
    self: flags.self ?? false,
    plannedMs: Math.min(plannedMs, limits.maxDurationMs),
    maxDurationMs: limits.maxDurationMs,
    stream: Boolean(flags.stream ?? config.target.stream),
  }
}

/** The thresholds in force (slo.ts); one from the config names its key and file, like every config error. */
function resolveSlos(flags: readonly string[], config: AgentctlConfig, file: string): SloThreshold[] {
  const fromConfig = <T>(key: string, parse: () => T): T => {
    try {
      return parse()
    } catch (error) {
      if (!(error instanceof AgentctlError)) throw error
      throw new ConfigError(file, key, error.message, error.hint ?? 'fix the threshold')
    }
  }
  if (flags.length === 0) config.load.slo.forEach((expression, i) => fromConfig(`load.slo[${i}]`, () => parseSlo(expression)))
  if (flags.length === 0 && config.load.slo.length === 0) return fromConfig('slo', () => effectiveSlos([], [], config.slo))
  return effectiveSlos(flags, config.load.slo, config.slo)
}

function basePath(url: string): string {
  try {
    return new URL(url).pathname.replace(/\/+$/, '')
  } catch {
    return ''
  }
}

export function positive(value: number | undefined, flag: string): void {
  if (value !== undefined && !(value > 0)) throw usage(`${flag} must be greater than 0 (got ${value})`, `pass a positive value, or leave ${flag} out for the default`)
}

export function positiveDuration(text: string | undefined, fallback: string, flag: string): number {
  const ms = parseDuration(text ?? fallback, flag)
  if (!(ms > 0)) throw usage(`${flag} must be longer than 0 (got "${text}")`, `pass a duration such as ${fallback}, or leave ${flag} out for the default (${fallback})`)
  return ms
}

function defaultPromptsFile(): string {
  const dir = fixturePath('prompts')
  const file = existsSync(dir) ? readdirSync(dir).find((f) => f === 'chat.txt') : undefined
  if (!file) throw usage('the shipped prompts (fixtures/prompts/chat.txt) are missing', 'pass --prompts FILE or --body')
  return join(dir, file)
}
