import { z } from 'zod'
import { SCENARIO_NAMES, SCENARIOS } from '../catalogue.js'
import { badToolArgs, contentFilter, length, toolLoop } from './content.js'
import { commonParams, type Fault } from './define.js'
import { badRequestFault, contextLength, errorStorm, flaky, quota, rateLimited } from './http-errors.js'
import { hang, healthy, slow } from './latency.js'
import { connectionReset, emptyChoices, malformedJson, truncatedStream } from './protocol.js'

export type { Fault } from './define.js'
export { SCENARIOS, SCENARIO_NAMES } from '../catalogue.js'

const ms = z.number().min(0).max(600_000)
const status = z.union([z.literal(500), z.literal(502), z.literal(503)]).optional()

/** Each scenario's own params (validated strictly: a typo is an error, not a silent no-op) and factory. */
const IMPLEMENTATIONS: Record<string, { shape?: z.ZodRawShape; create: (params: any) => Fault }> = {
  healthy: { create: healthy },
  slow: { shape: { latencyMs: ms.optional(), p50Ms: ms.optional(), p95Ms: ms.optional(), ttftMs: ms.optional(), interTokenMs: ms.optional() }, create: slow },
  hang: { create: hang },
  'error-storm': { shape: { status, midStream: z.boolean().optional() }, create: errorStorm },
  flaky: { shape: { status, midStream: z.boolean().optional() }, create: flaky },
  'rate-limited': { shape: { retryAfterMs: ms.optional() }, create: rateLimited },
  quota: { create: quota },
  'bad-request': { shape: { message: z.string().optional() }, create: badRequestFault },
  'context-length': { shape: { maxContextTokens: z.number().int().min(1).optional() }, create: contextLength },
  'content-filter': { shape: { mode: z.enum(['finish', 'error']).optional() }, create: contentFilter },
  'malformed-json': { create: malformedJson },
  'truncated-stream': { create: truncatedStream },
  'connection-reset': { shape: { midStream: z.boolean().optional() }, create: connectionReset },
  'empty-choices': { create: emptyChoices },
  'bad-tool-args': { shape: { mode: z.enum(['invalid-json', 'schema']).optional() }, create: badToolArgs },
  'tool-loop': { create: toolLoop },
  length: { create: length },
}

const SCHEMAS = new Map(Object.entries(IMPLEMENTATIONS).map(([name, impl]) => [name, z.strictObject({ ...commonParams, ...(impl.shape ?? {}) })]))

export class ScenarioError extends Error {
  constructor(message: string, readonly validNames = SCENARIO_NAMES) {
    super(message)
    this.name = 'ScenarioError'
  }
}

/** Validates a scenario name and its params; throws ScenarioError with a precise message. */
export function createFault(name: string, params: Record<string, unknown> = {}): Fault {
  const impl = IMPLEMENTATIONS[name]
  if (!impl || !Object.hasOwn(IMPLEMENTATIONS, name)) throw new ScenarioError(`unknown scenario "${name}"; valid: ${SCENARIO_NAMES.join(', ')}`)
  const parsed = SCHEMAS.get(name)!.safeParse(params)
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(params)'}: ${i.message}`).join('; ')
    const accepted = Object.keys(SCENARIOS.find((s) => s.name === name)!.params).join(', ')
    throw new ScenarioError(`invalid params for scenario "${name}": ${issues}; accepted: ${accepted}`)
  }
  return impl.create(parsed.data)
}

/** The fault factories for in-process use: `mock.use(faults.rateLimited({ count: 1 }))`. */
export const faults = {
  healthy, slow, hang, errorStorm, flaky, rateLimited, quota, badRequest: badRequestFault, contextLength,
  contentFilter, malformedJson, truncatedStream, connectionReset, emptyChoices, badToolArgs, toolLoop, length,
  /** Any scenario by its CLI name, validated: `faults.byName('error-storm', { status: 503 })`. */
  byName: createFault,
}
