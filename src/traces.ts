/**
 * Findings that point at the agent's own traces (issue 19). Every chat validate sends starts a W3C
 * trace (src/protocols/send.ts); a check puts the trace ids of the chats behind a non-pass verdict
 * in `evidence.traceIds`, and the runner says where to find them, once, here: the links built from
 * `target.traceUrl` (`evidence.traceUrls`, resolved now because renderers only read the Report),
 * else the ids to look up in the tracing backend.
 */
import type { CheckOutcome } from './check.js'

/** A few traces are a lead; a storm of forty is noise. */
export const MAX_TRACE_IDS = 3
/** The placeholder target.traceUrl must contain (validated by the config schema). */
export const TRACE_ID_PLACEHOLDER = '{traceId}'

/** The distinct trace ids of these chats, the last MAX_TRACE_IDS of them, in order. */
export function traceIdsOf(chats: ReadonlyArray<{ traceId?: string } | undefined>): string[] {
  const ids = [...new Set(chats.map((c) => c?.traceId).filter((id): id is string => Boolean(id)))]
  return ids.slice(-MAX_TRACE_IDS)
}

/** Adds the traces' links (when target.traceUrl is set) and where to look to a non-pass outcome that names traces. */
export function pointAtTraces(o: CheckOutcome, traceUrl: string | undefined): CheckOutcome {
  const ids = o.evidence?.traceIds
  if (o.status === 'pass' || !Array.isArray(ids) || ids.length === 0) return o
  const urls = traceUrl ? ids.map((id) => traceUrl.replaceAll(TRACE_ID_PLACEHOLDER, String(id))) : undefined
  const which = ids.length === 1 ? 'The chat behind this is trace' : 'The chats behind this are traces'
  const where = urls
    ? `${which} ${urls.join(', ')}`
    : `${which} ${ids.join(', ')} in your tracing backend (the agent's traceresponse, else the traceparent agentctl sent; the reference agent also logs it as traceId).`
  return { ...o, evidence: { ...o.evidence, ...(urls ? { traceUrls: urls } : {}) }, remediation: o.remediation ? `${o.remediation} ${where}` : where }
}
