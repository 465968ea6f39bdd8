/**
 * The application/health+json shape (draft-inadarei-api-health-check): a top-level status and a
 * `checks` map of "component:measurement" to an array of observations. Parsed leniently: agents in
 * the wild send a single object instead of an array, or "ok"/"up"/"down" instead of pass/fail.
 */
export type HealthStatus = 'pass' | 'warn' | 'fail'

export interface ComponentHealth {
  name: string
  status: HealthStatus
  componentType?: string
  observedValue?: unknown
  observedUnit?: string
  output?: string
}

export interface HealthDocument {
  status: HealthStatus
  version?: string
  output?: string
  components: ComponentHealth[]
}

export function normaliseStatus(value: unknown): HealthStatus {
  const s = String(value ?? '').toLowerCase()
  if (['pass', 'ok', 'up', 'healthy', 'ready'].includes(s)) return 'pass'
  if (['warn', 'degraded'].includes(s)) return 'warn'
  return 'fail'
}

/** Returns undefined when the body is not a JSON object. */
export function parseHealthDocument(body: string): HealthDocument | undefined {
  let doc: unknown
  try {
    doc = JSON.parse(body)
  } catch {
    return undefined
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return undefined
  const record = doc as Record<string, unknown>
  const components: ComponentHealth[] = []
  const checks = record.checks
  if (checks && typeof checks === 'object') {
    for (const [name, raw] of Object.entries(checks as Record<string, unknown>)) {
      const observations = Array.isArray(raw) ? raw : [raw]
      observations.forEach((o, i) => {
        const obs = (o && typeof o === 'object' ? o : { status: o }) as Record<string, unknown>
        components.push({
          name: observations.length > 1 ? `${name}#${String(obs.componentId ?? i)}` : name,
          status: normaliseStatus(obs.status),
          ...(typeof obs.componentType === 'string' ? { componentType: obs.componentType } : {}),
          ...(obs.observedValue !== undefined ? { observedValue: obs.observedValue } : {}),
          ...(typeof obs.observedUnit === 'string' ? { observedUnit: obs.observedUnit } : {}),
          ...(typeof obs.output === 'string' && obs.output ? { output: obs.output } : {}),
        })
      })
    }
  }
  return {
    status: normaliseStatus(record.status),
    ...(typeof record.version === 'string' ? { version: record.version } : {}),
    ...(typeof record.output === 'string' ? { output: record.output } : {}),
    components,
  }
}
