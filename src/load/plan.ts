import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import type { AgentctlConfig } from '../config/schema.js'
import { parseDuration, parseDurationRange } from '../duration.js'
import { AgentctlError, ExitCode } from '../exit-codes.js'
import { fixturePath } from '../paths.js'
import { effectiveSlos, type SloThreshold } from './slo.js'

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
}

export interface MockLlmPlan {
  latency?: [number, number]
  scenario?: string
  scenarioParams: Record<string, unknown>
  seed?: number
}

export interface LoadPlan {
  mode: 'open' | 'closed' | 'capacity'
  rate?: number
  connections: number
  durationMs: number
  warmupMs: number
  timeoutMs: number
  capacity?: { startRps: number; stepRps: number; stepDurationMs: number; maxRps: number }
  maxConnections: number
  targetRps?: number
  headroom: number
  slos: SloThreshold[]
  abortOnFail: boolean
  method: string
  /** The request path, below the target URL's own path (http://host/api + /chat = /api/chat). */
  path: string
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
}

const usage = (message: string, hint?: string) => new AgentctlError(message, ExitCode.UsageOrInternal, hint)

/** Parses '30%' or '0.3' into a fraction. */
export function parsePercent(text: string, what: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(%)?\s*$/.exec(text)
  if (!match) throw usage(`invalid ${what} "${text}"`, 'write a percentage such as 30%')
  const n = Number(match[1])
  return match[2] || n > 1 ? n / 100 : n
}

/** Parses --mock-llm 'latency=800ms..2s[,scenario=slow,latencyMs=1000,seed=7]' (a bare range means latency). */
export function parseMockLlm(text: string): MockLlmPlan {
  const plan: MockLlmPlan = { scenarioParams: {} }
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const [key, value] = part.includes('=') ? (part.split('=', 2) as [string, string]) : ['latency', part]
    if (key === 'latency') plan.latency = parseDurationRange(value, 'mock LLM latency')
    else if (key === 'scenario') plan.scenario = value
    else if (key === 'seed') plan.seed = Number(value)
    else plan.scenarioParams[key] = Number.isFinite(Number(value)) ? Number(value) : value
  }
  return plan
}

/**
 * Resolves flags + config into a validated plan. Everything that can be wrong with the user's
 * input (a malformed SLO, a rate above load.maxRps, a missing prompts file) fails here, with
 * exit 2, before any traffic or any server is started.
 */
export function resolvePlan(flags: LoadFlags, config: AgentctlConfig): LoadPlan {
  const slos = effectiveSlos(flags.slo ?? [], config.load.slo, config.slo)
  const limits = { maxRps: config.load.maxRps, maxDurationMs: parseDuration(config.load.maxDuration, 'load.maxDuration') }
  const mode = flags['find-capacity'] ? 'capacity' : flags.rate !== undefined ? 'open' : 'closed'
  const durationMs = parseDuration(flags.duration ?? '30s', '--duration')
  const warmupMs = parseDuration(flags.warmup ?? '3s', '--warmup')
  const timeoutMs = parseDuration(flags.timeout ?? '60s', '--timeout')
  const maxConnections = flags['max-connections'] ?? 1000
  if (durationMs <= 0) throw usage('--duration must be longer than 0')
  positive(flags.rate, '--rate')
  positive(flags.connections, '--connections')
  positive(flags['target-rps'], '--target-rps')
  const rpsCeiling = (value: number, flag: string) => {
    if (value > limits.maxRps) throw usage(`${flag} ${value} is above load.maxRps (${limits.maxRps})`, 'lower it, or raise load.maxRps in agentctl.yaml if this target can really take it')
  }
  let capacity: LoadPlan['capacity']
  let plannedMs = durationMs + warmupMs
  if (mode === 'capacity') {
    const startRps = flags['start-rps'] ?? 1
    const stepRps = flags['step-rps'] ?? startRps
    const maxRps = Math.min(flags['max-rps'] ?? limits.maxRps, limits.maxRps)
    positive(startRps, '--start-rps')
    positive(stepRps, '--step-rps')
    if (flags['max-rps'] !== undefined) rpsCeiling(flags['max-rps'], '--max-rps')
    const stepDurationMs = parseDuration(flags['step-duration'] ?? '10s', '--step-duration')
    if (maxRps < startRps) throw usage(`--max-rps ${maxRps} is below --start-rps ${startRps}`)
    capacity = { startRps, stepRps, stepDurationMs, maxRps }
    const steps = Math.floor((maxRps - startRps) / stepRps) + 1
    plannedMs = steps * (stepDurationMs + warmupMs)
  } else if (flags.rate !== undefined) {
    rpsCeiling(flags.rate, '--rate')
    if ((flags.rate * durationMs) / 1000 < 1) throw usage(`--rate ${flags.rate} for ${flags.duration ?? '30s'} sends no request`, 'raise --rate or --duration')
  }
  if (mode !== 'capacity' && plannedMs > limits.maxDurationMs) {
    throw usage(`the run would take ${Math.round(plannedMs / 1000)}s, above load.maxDuration (${config.load.maxDuration})`, 'shorten --duration/--warmup or raise load.maxDuration')
  }
  const method = (flags.method ?? 'POST').toUpperCase()
  const path = flags.path ?? config.target.chatPath
  if (!path.startsWith('/')) throw usage(`--path "${path}" must start with /`)
  const chatLoad = method === 'POST' && path === config.target.chatPath
  const headers = parseHeaders(flags.header ?? [])
  if (config.target.apiKey && !Object.keys(headers).some((h) => h === 'authorization')) headers.authorization = `Bearer ${config.target.apiKey}`
  let promptsFile = flags.prompts
  // Chat load with no body: the shipped prompt set, so the agent sees realistic, varied requests.
  if (!promptsFile && !flags.sessions && flags.body === undefined && method === 'POST' && path === config.target.chatPath) promptsFile = defaultPromptsFile()
  for (const file of [promptsFile, flags.sessions]) if (file && !existsSync(file)) throw usage(`no such file: ${file}`, 'check the --prompts / --sessions path')
  if ((flags.body !== undefined || promptsFile || flags.sessions) && !headers['content-type']) headers['content-type'] = 'application/json'
  const mockLlm = flags['mock-llm'] ? parseMockLlm(flags['mock-llm']) : flags.self ? parseMockLlm('latency=800ms..2s') : undefined
  return {
    mode,
    rate: flags.rate,
    // Open model: room for 10 s of latency at the offered rate before requests are dropped (undici
    // opens connections lazily, so a high cap costs nothing while the target keeps up).
    connections: flags.connections ?? (mode === 'open' ? Math.min(maxConnections, Math.max(50, Math.ceil(flags.rate! * 10))) : 10),
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
  }
}

function basePath(url: string): string {
  try {
    return new URL(url).pathname.replace(/\/+$/, '')
  } catch {
    return ''
  }
}

function positive(value: number | undefined, flag: string): void {
  if (value !== undefined && !(value > 0)) throw usage(`${flag} must be greater than 0 (got ${value})`)
}

function parseHeaders(list: string[]): Record<string, string> {
  const headers: Record<string, string> = {}
  for (const entry of list) {
    const colon = entry.indexOf(':')
    if (colon <= 0) throw usage(`invalid --header "${entry}"`, "write it as 'Name: value'")
    headers[entry.slice(0, colon).trim().toLowerCase()] = entry.slice(colon + 1).trim()
  }
  return headers
}

function defaultPromptsFile(): string {
  const dir = fixturePath('prompts')
  const file = existsSync(dir) ? readdirSync(dir).find((f) => f === 'chat.txt') : undefined
  if (!file) throw usage('the shipped prompts (fixtures/prompts/chat.txt) are missing', 'pass --prompts FILE or --body')
  return join(dir, file)
}
