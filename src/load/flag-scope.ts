import type { LoadFlags } from './plan.js'
import { usage } from './inputs.js'

/** Flags only the capacity search reads. */
const CAPACITY_ONLY = ['start-rps', 'step-rps', 'step-duration', 'max-rps', 'resolution', 'max-duration'] as const

/** Flags the capacity search sets itself, with what to use instead. */
const NOT_IN_CAPACITY: Partial<Record<keyof LoadFlags, string>> = {
  rate: 'the search chooses the rates (use --start-rps for the first one)',
  connections: 'the search sizes connections from the latency it measures (bound them with --max-connections)',
  duration: "each step's window is sized from the latency (set its minimum with --step-duration)",
  'abort-on-fail': 'the search already stops at the first step that breaks the SLO',
}

/**
 * Refuses, before any traffic, a flag the chosen mode would silently ignore (issue 20): one line
 * naming the flag, why it does not apply, and what to use instead (exit 2).
 */
export function assertFlagsApply(flags: LoadFlags): void {
  const given = (name: keyof LoadFlags) => flags[name] !== undefined && flags[name] !== false
  const capacity = Boolean(flags['find-capacity'])
  if (capacity) {
    for (const [name, why] of Object.entries(NOT_IN_CAPACITY)) {
      if (given(name as keyof LoadFlags)) throw usage(`--${name} does not apply to --find-capacity: ${why}`)
    }
    if (given('step-rps') && given('resolution')) throw usage('--resolution does not apply with --step-rps: the linear ramp resolves to its step (leave out --step-rps for the adaptive search)')
  } else {
    for (const name of CAPACITY_ONLY) if (given(name)) throw usage(`--${name} applies only to --find-capacity (add it, or leave --${name} out)`)
  }
  if (given('headroom') && !given('target-rps')) throw usage('--headroom applies only with --target-rps (it sizes replicas for that rate)')
  if (given('tolerance') && !given('baseline')) throw usage('--tolerance applies only with --baseline')
}
