/**
 * Where a chat's time went, sent as a `Server-Timing` header (W3C): browsers' dev tools and load
 * tools read it, and `total - llm` is the agent's own time per chat, which no client-side
 * measurement can separate from the provider's.
 *
 * What each span holds, so a slow one can be told apart (agent/README.md, "Latency"):
 * - `llm`: every LLM call of the turn (retries and backoff included), from the request being built
 *   to its answer parsed. So it also holds whatever delayed the answer inside the agent once it
 *   arrived (an event-loop turn, a GC pause): own time can only be understated by it, never padded.
 * - `commit`: the turn's PostgreSQL statement, then the cache append and the spend record;
 *   `db` is the PostgreSQL statement alone (pool wait included).
 * - `history`, `tools`: the history read (cache, else PostgreSQL) and the tool calls.
 * - `total`: from the request's arrival (fastify's clock) to the answer, body parsing, auth, rate
 *   limit and validation included.
 */
export interface TurnTiming {
  historyMs: number
  llmMs: number
  toolMs: number
  commitMs: number
  dbMs: number
}

export const newTurnTiming = (): TurnTiming => ({ historyMs: 0, llmMs: 0, toolMs: 0, commitMs: 0, dbMs: 0 })

export function serverTiming(t: TurnTiming, totalMs: number): string {
  const dur = (ms: number) => ms.toFixed(1)
  return `history;dur=${dur(t.historyMs)}, llm;dur=${dur(t.llmMs)}, tools;dur=${dur(t.toolMs)}, commit;dur=${dur(t.commitMs)}, db;dur=${dur(t.dbMs)}, total;dur=${dur(totalMs)}`
}
