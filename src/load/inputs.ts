import { SCENARIO_NAMES, SCENARIOS } from '../contracts/mock-scenarios.js'
import { closest } from '../config/load.js'
import { parseDurationRange } from '../duration.js'
import { AgentctlError, ExitCode } from '../exit-codes.js'
import { registerSecret } from '../redact.js'

// The parsers of `agentctl load`'s structured flag values; every problem is exit 2 naming the flag.

export interface MockLlmPlan {
  latency?: [number, number]
  scenario?: string
  scenarioParams: Record<string, unknown>
  seed?: number
}

export const usage = (message: string, hint?: string) => new AgentctlError(message, ExitCode.UsageOrInternal, hint)

/**
 * Parses a share into a fraction: '30%' (a percentage) or a bare fraction below 1 ('0.3'). A bare
 * number of 1 or more is refused: '1' reads as 1% to some and 100% to others, and guessing
 * silently turned `--tolerance 1` into 100%.
 */
export function parsePercent(text: string, flag: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(%)?\s*$/.exec(text)
  const hint = `write a percentage with %, such as ${flag} 10%, or a fraction below 1, such as ${flag} 0.1`
  if (!match) throw usage(`invalid ${flag} "${text}"`, hint)
  const n = Number(match[1])
  if (match[2]) return n / 100
  if (n >= 1) throw usage(`${flag} ${text.trim()} is ambiguous (${n}% or ${n * 100}%?)`, hint)
  return n
}

/** The keys --mock-llm takes besides the chosen scenario's own params. */
const MOCK_KEYS = ['latency', 'scenario', 'seed']

/**
 * Parses --mock-llm 'latency=800ms..2s[,scenario=slow,latencyMs=1000,seed=7]' (a bare range means
 * latency). Unknown keys and scenarios fail here: a typo such as 'latncy' used to run the mock with
 * no added latency, which measures something else than the user asked for.
 */
export function parseMockLlm(text: string): MockLlmPlan {
  const plan: MockLlmPlan = { scenarioParams: {} }
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const eq = part.indexOf('=')
    const [key, value] = eq >= 0 ? [part.slice(0, eq).trim(), part.slice(eq + 1).trim()] : ['latency', part]
    if (key === 'latency') plan.latency = parseDurationRange(value, '--mock-llm latency')
    else if (key === 'scenario') plan.scenario = value
    else if (key === 'seed') plan.seed = parseSeed(value)
    else plan.scenarioParams[key] = value !== '' && Number.isFinite(Number(value)) ? Number(value) : value
  }
  const scenario = SCENARIOS.find((s) => s.name === plan.scenario)
  if (plan.scenario !== undefined && !scenario) {
    throw usage(`--mock-llm: unknown scenario "${plan.scenario}"${didYouMean(plan.scenario, SCENARIO_NAMES)}`, `valid scenarios: ${SCENARIO_NAMES.join(', ')} (agentctl mock-llm --help describes them)`)
  }
  const valid = [...MOCK_KEYS, ...Object.keys(scenario?.params ?? {})]
  for (const key of Object.keys(plan.scenarioParams)) {
    if (valid.includes(key)) continue
    const scenarioNote = scenario ? ` (${valid.slice(MOCK_KEYS.length).join(', ')} for scenario ${scenario.name})` : "; a scenario's own params (latencyMs, status, …) need scenario=NAME"
    throw usage(`--mock-llm: unknown key "${key}"${didYouMean(key, valid)}`, `valid keys: ${MOCK_KEYS.join(', ')}${scenarioNote}, e.g. --mock-llm 'latency=800ms..2s'`)
  }
  return plan
}

function parseSeed(value: string): number {
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) throw usage(`--mock-llm: seed "${value}" is not a whole number`, "write seed=N, e.g. --mock-llm 'latency=800ms..2s,seed=7'")
  return Number(value)
}

function didYouMean(word: string, candidates: readonly string[]): string {
  const best = closest(word, [...candidates])
  return best ? ` (did you mean "${best}"?)` : ''
}

/** Header names whose values are credentials: registered so no output path can print them. */
const SECRET_HEADER = /auth|key|token|secret|cookie|password/i

/** Parses repeated --header 'Name: value'. A malformed entry is never echoed: it may be a key. */
export function parseHeaders(list: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {}
  list.forEach((entry, index) => {
    const colon = entry.indexOf(':')
    if (colon <= 0) throw usage(`invalid --header (number ${index + 1} of ${list.length}): no "Name: value" colon; its text is not shown, in case it holds a secret`, "write it as --header 'Name: value', e.g. --header 'X-Trace: load'")
    const name = entry.slice(0, colon).trim().toLowerCase()
    const value = entry.slice(colon + 1).trim()
    if (SECRET_HEADER.test(name)) registerSecret(value)
    headers[name] = value
  })
  return headers
}
