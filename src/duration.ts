import { AgentctlError } from './exit-codes.js'

/**
 * The one duration grammar for every flag and config key (docs/CONTRACTS.md, durations): a number
 * with a unit, `250ms`, `5s`, `2m`, `1h` (decimals allowed: `1.5s`). A bare number is an error that
 * shows the fix, because bare numbers meant milliseconds on some flags and seconds on others
 * (`--timeout 5` was 5 ms, `--watch 10` 10 s); k6 and Go's time.ParseDuration require the unit too.
 * A bare `0` is unambiguous and accepted (`--warmup 0`).
 */
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/
const BARE_NUMBER = /^\d+(?:\.\d+)?$/

export const DURATION_UNITS_HINT = 'durations are a number with a unit: 250ms, 5s, 2m, 1h'
/** The same grammar as a pattern, for the config schema and its JSON Schema. */
export const DURATION_PATTERN = /^(?:0|\d+(?:\.\d+)?(?:ms|s|m|h))$/

/** The config-error text for a value that is not a duration: what is wrong and the fix, in one line. */
export function durationIssue(input: unknown): string | undefined {
  if (typeof input !== 'string' && typeof input !== 'number') return undefined
  const problem = durationProblem(input)
  return problem ? `"${input}": ${problem.problem}; ${problem.fix}` : undefined
}

/** Why `text` is not a duration and how to write it, or undefined when it is one. */
export function durationProblem(text: string | number): { problem: string; fix: string } | undefined {
  const trimmed = String(text).trim()
  if (trimmed === '0' || DURATION.test(trimmed)) return undefined
  if (BARE_NUMBER.test(trimmed)) return { problem: 'a duration needs a unit', fix: `did you mean ${suggestUnit(trimmed)}? (${DURATION_UNITS_HINT})` }
  return { problem: 'not a duration', fix: DURATION_UNITS_HINT }
}

/** "5" → "5s"; "500" → "500ms or 500s": a small number is almost always seconds, a large one either. */
function suggestUnit(bare: string): string {
  return Number(bare) < 100 ? `${bare}s` : `${bare}ms or ${bare}s`
}

/**
 * Parses a user-written duration ('250ms', '5s', '2m', '1h') into milliseconds; `what` names the
 * flag or key in the error. A number is already milliseconds (internal callers, never user input).
 */
export function parseDuration(text: string | number, what = 'duration'): number {
  if (typeof text === 'number') return text
  const problem = durationProblem(text)
  if (problem) throw new AgentctlError(`invalid ${what} "${text}": ${problem.problem}`, 2, problem.fix)
  const match = DURATION.exec(text.trim())
  if (!match) return 0 // the bare '0'
  return Math.round(Number(match[1]) * UNIT_MS[match[2]!]!)
}

/**
 * parseDuration for a value that must be longer than 0: a timeout, an interval, a window. A `0`
 * there would make every check fail "within 0ms" or a loop spin, so it is refused (exit 2).
 */
export function parsePositiveDuration(text: string | number, what = 'duration'): number {
  const ms = parseDuration(text, what)
  if (ms <= 0) throw new AgentctlError(`invalid ${what} "${text}": must be longer than 0`, 2, `give a positive duration, e.g. ${what.includes('watch') ? '10s' : '5s'}`)
  return ms
}

/** Parses a range such as '800ms..2s' into [low, high] milliseconds. */
export function parseDurationRange(text: string, what = 'duration range'): [number, number] {
  const [low, high, ...rest] = text.split('..')
  if (rest.length > 0 || low === undefined) throw new AgentctlError(`invalid ${what} "${text}"`, 2, 'write it as 800ms..2s or a single duration')
  const lowMs = parseDuration(low, what)
  const highMs = high === undefined ? lowMs : parseDuration(high, what)
  if (highMs < lowMs) throw new AgentctlError(`invalid ${what} "${text}": the upper bound is below the lower`, 2)
  return [lowMs, highMs]
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)}s`
  return `${(ms / 60_000).toFixed(1)}m`
}
