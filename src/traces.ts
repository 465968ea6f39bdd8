/**
 * Findings that point at the agent's own traces (issue 19). Every chat validate sends starts a W3C
 * trace (src/protocols/send.ts); diagnose sends none, and reads the trace ids the agent's request
 * histogram carries as OpenMetrics exemplars (src/metrics/exemplars.ts). A check puts the trace ids
 * behind a non-pass verdict in `evidence.traceIds`, and the runner says where to find them, once,
 * here: the links built from `target.traceUrl` (`evidence.traceUrls`, resolved now because
 * renderers only read the Report), else the ids to look up in the tracing backend.
 */
import type { CheckMode, CheckOutcome } from './check.js'

/** A few traces are a lead; a storm of forty is noise. */
export const MAX_TRACE_IDS = 3
/** The placeholder target.traceUrl must contain (validated by the config schema). */
export const TRACE_ID_PLACEHOLDER = '{traceId}'

/** The distinct trace ids of these chats, the last MAX_TRACE_IDS of them, in order. */
export function traceIdsOf(chats: ReadonlyArray<{ traceId?: string } | undefined>): string[] {
  const ids = [...new Set(chats.map((c) => c?.traceId).filter((id): id is string => Boolean(id)))]
  return ids.slice(-MAX_TRACE_IDS)
}

/** What the traces are of, and where their ids came from: the chats validate sent, or exemplars. */
const ORIGIN: Record<CheckMode, { one: string; many: string; from: string }> = {
  validate: { one: 'The chat behind this is trace', many: 'The chats behind this are traces', from: "the agent's traceresponse, else the traceparent agentctl sent" },
  diagnose: { one: 'The request behind this is trace', many: 'The requests behind this are traces', from: "exemplars on the agent's metrics" },
}

/** Adds the traces' links (when target.traceUrl is set) and where to look to a non-pass outcome that names traces. */
export function pointAtTraces(o: CheckOutcome, traceUrl: string | undefined, mode: CheckMode = 'validate'): CheckOutcome {
  const ids = o.evidence?.traceIds
  if (o.status === 'pass' || !Array.isArray(ids) || ids.length === 0) return o
  const urls = traceUrl ? ids.map((id) => traceUrl.replaceAll(TRACE_ID_PLACEHOLDER, String(id))) : undefined
  const origin = ORIGIN[mode]
  const which = ids.length === 1 ? origin.one : origin.many
  const where = urls
    ? `${which} ${urls.join(', ')}`
    : `${which} ${ids.join(', ')} in your tracing backend (${origin.from}; the reference agent also logs it as traceId).`
  return { ...o, evidence: { ...o.evidence, ...(urls ? { traceUrls: urls } : {}) }, remediation: o.remediation ? `${o.remediation} ${where}` : where }
}
