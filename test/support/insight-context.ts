/** A CheckContext for the diagnose insight checks, built from a partial config like agentctl.yaml. */
import type { CheckContext } from '../../src/check.js'
import { type AgentctlConfigInput, ConfigSchema } from '../../src/config/schema.js'
import { metricOptions } from '../../src/metrics/window.js'

export function insightContext(config: AgentctlConfigInput, options: Record<string, unknown> = {}, timeoutMs = 5000): CheckContext {
  return {
    mode: 'diagnose',
    config: ConfigSchema.parse(config),
    signal: AbortSignal.timeout(timeoutMs + 1000),
    timeoutMs,
    // As the runner does: the metric family's schema, so an unknown option fails the test.
    options: metricOptions.parse(options),
    shared: new Map(),
    log: () => {},
  }
}
