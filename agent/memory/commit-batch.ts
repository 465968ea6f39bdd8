/**
 * Group commit. The turns whose commits are asked for in the same event-loop turn (under load, the
 * chats whose last LLM answer arrived together) are stored by ONE statement: one transaction, one
 * round trip, one WAL flush and one wake-up of a PostgreSQL backend for all of them, where each
 * used to cost its own. On the 2-core bench machine the per-statement cost, not the rows, was most
 * of PostgreSQL's time per chat, and the agent's write to a sleeping backend let that backend take
 * the agent's CPU (agent/README.md, "Latency").
 *
 * What does not change: a turn is acknowledged only once the transaction holding it committed;
 * every turn is all-or-nothing (a batch is one transaction, so it is even all-or-nothing with its
 * neighbours); a turn of a session owned by another key writes nothing of itself (`forbidden`);
 * turns of one session keep their order (one turn per session per statement, the session row lock
 * orders the statements). A failure that says nothing about a single turn (timeout, connection
 * lost, pool busy) fails every turn of the batch, as it would have failed each of them alone, and
 * is not retried: after a lost connection nobody knows whether the batch committed. An error after
 * which the transaction certainly rolled back (bad data, a deadlock) re-runs each turn alone, so
 * one turn PostgreSQL refuses does not take its neighbours down.
 */
import { randomUUID } from 'node:crypto'
import { AUDIT_COLUMNS, AUDIT_TABLE, auditArrays, auditUnnest, jsonWithoutNul } from '../tools/index.js'
import type { TurnRecord } from './store.js'

/** Turns per statement at most: bounds one statement's size and the parameters' arrays. */
export const MAX_TURNS_PER_STATEMENT = 64

export interface CommitOutcome {
  forbidden: boolean
  /** The session's message count before this turn (0 when forbidden). */
  previous: number
}

/** Runs the statement (through the store's breaker and pool); resolves to its rows. */
export type RunStatement = (text: string, values: unknown[]) => Promise<Array<{ session_id: string; previous: number }>>

interface Pending {
  turn: TurnRecord
  resolve(outcome: CommitOutcome): void
  reject(error: unknown): void
}

/**
 * The session upsert takes each session's row lock and yields its first free seq; the rest hangs
 * off it. It locks the sessions in id order: two statements in flight that share sessions (a
 * session's next turn, or a later batch) then wait for each other instead of deadlocking.
 */
export const COMMIT_TURNS_SQL = `WITH i AS (
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::uuid[], $6::text[], $7::text[], $8::int[], $9::int[], $10::int[], $11::numeric[], $12::boolean[])
    WITH ORDINALITY AS i(session_id, owner, user_id, n, turn_id, request_id, model, iterations, prompt_tokens, completion_tokens, cost_usd, injection_flagged, turn)
), s AS (
  INSERT INTO agent_sessions AS cur (id, owner, user_id, message_count)
  SELECT session_id, owner, user_id, n FROM i ORDER BY session_id
  ON CONFLICT (id) DO UPDATE SET message_count = cur.message_count + EXCLUDED.message_count, updated_at = now()
    WHERE cur.owner = EXCLUDED.owner
  RETURNING id, message_count
), w AS (
  SELECT i.*, s.message_count - i.n AS previous FROM i JOIN s ON s.id = i.session_id
), t AS (
  INSERT INTO agent_turns (id, session_id, request_id, model, iterations, prompt_tokens, completion_tokens, cost_usd, injection_flagged)
  SELECT turn_id, session_id, request_id, model, iterations, prompt_tokens, completion_tokens, cost_usd, injection_flagged FROM w
), msg AS (
  INSERT INTO agent_messages (session_id, turn_id, seq, role, content, tool_calls, tool_call_id, tokens)
  SELECT w.session_id, w.turn_id, w.previous + m.ord, m.role, m.content, m.tool_calls::jsonb, m.tool_call_id, m.tokens
    FROM unnest($13::int[], $14::int[], $15::text[], $16::text[], $17::text[], $18::text[], $19::int[]) AS m(turn, ord, role, content, tool_calls, tool_call_id, tokens)
    JOIN w ON w.turn = m.turn
), idem AS (
  UPDATE agent_idempotency a SET status = 'done', response = k.response::jsonb
    FROM unnest($20::text[], $21::text[], $22::text[], $23::text[]) AS k(session_id, owner, key, response)
   WHERE a.owner = k.owner AND a.key = k.key AND k.session_id IN (SELECT session_id FROM w)
), audit AS (
  INSERT INTO ${AUDIT_TABLE} (${AUDIT_COLUMNS}) SELECT * FROM unnest(${auditUnnest(24)})
)
SELECT session_id, previous FROM w`

/** The statement's parameters for these turns (distinct sessions). */
export function commitTurnsValues(turns: TurnRecord[]): unknown[] {
  const col = <T>(pick: (t: TurnRecord) => T) => turns.map(pick)
  const messages = turns.flatMap((t, turn) => t.messages.map((m, i) => ({ m, turn: turn + 1, ord: i + 1 })))
  const keyed = turns.filter((t) => t.idempotency)
  return [
    col((t) => t.sessionId), col((t) => t.owner), col((t) => t.userId ?? null), col((t) => t.messages.length),
    col(() => randomUUID()), col((t) => t.requestId), col((t) => t.model), col((t) => t.iterations),
    col((t) => t.promptTokens), col((t) => t.completionTokens), col((t) => t.costUsd), col((t) => t.injectionFlagged),
    messages.map((x) => x.turn), messages.map((x) => x.ord), messages.map((x) => x.m.role),
    // NUL is stripped from what the model or a tool produced: PostgreSQL text cannot hold it.
    messages.map((x) => x.m.content?.replaceAll('\0', '') ?? null),
    messages.map((x) => (x.m.tool_calls ? jsonWithoutNul(x.m.tool_calls) : null)),
    messages.map((x) => x.m.tool_call_id?.replaceAll('\0', '') ?? null), messages.map((x) => x.m.tokens),
    keyed.map((t) => t.sessionId), keyed.map((t) => t.idempotency!.owner), keyed.map((t) => t.idempotency!.key),
    keyed.map((t) => jsonWithoutNul(t.idempotency!.response)),
    ...auditArrays(turns.flatMap((t) => t.toolAudit ?? [])),
  ]
}

/**
 * SQLSTATE classes 22 (data exception), 23 (integrity constraint violation) and 40 (transaction
 * rollback: serialization failure, deadlock): the transaction certainly rolled back, so each turn
 * can be re-run alone.
 */
const isRolledBack = (error: unknown) => /^(22|23|40)[0-9A-Z]{3}$/.test(String((error as { code?: unknown })?.code ?? ''))

export class CommitBatcher {
  private queue: Pending[] = []
  private scheduled = false

  constructor(private readonly run: RunStatement) {}

  /** Resolves once the transaction holding the turn committed. */
  commit(turn: TurnRecord): Promise<CommitOutcome> {
    return new Promise((resolve, reject) => {
      this.queue.push({ turn, resolve, reject })
      if (this.scheduled) return
      this.scheduled = true
      // After the I/O callbacks of this loop turn: every commit they ask for joins the statement.
      setImmediate(() => this.flush())
    })
  }

  private flush(): void {
    this.scheduled = false
    const queue = this.queue
    this.queue = []
    void this.send(queue)
  }

  /**
   * One statement per batch of distinct sessions. A session's next turn waits for the statement
   * holding its previous one, so a session's turns commit in the order they were asked for.
   */
  private async send(queue: Pending[]): Promise<void> {
    while (queue.length) {
      const batch: Pending[] = []
      const later: Pending[] = []
      const sessions = new Set<string>()
      let waits = false
      for (const pending of queue) {
        const repeat = sessions.has(pending.turn.sessionId)
        if (!repeat && batch.length < MAX_TURNS_PER_STATEMENT) {
          sessions.add(pending.turn.sessionId)
          batch.push(pending)
        } else {
          waits ||= repeat
          later.push(pending)
        }
      }
      const stored = this.store(batch) // never rejects: each turn's promise carries its outcome
      if (waits) await stored
      queue = later
    }
  }

  private async store(batch: Pending[]): Promise<void> {
    let rows: Awaited<ReturnType<RunStatement>>
    try {
      rows = await this.run(COMMIT_TURNS_SQL, commitTurnsValues(batch.map((p) => p.turn)))
    } catch (error) {
      if (batch.length > 1 && isRolledBack(error)) for (const pending of batch) void this.store([pending])
      else for (const pending of batch) pending.reject(error)
      return
    }
    const previous = new Map(rows.map((r) => [r.session_id, r.previous]))
    for (const { turn, resolve } of batch) {
      const before = previous.get(turn.sessionId)
      resolve(before === undefined ? { forbidden: true, previous: 0 } : { forbidden: false, previous: before })
    }
  }
}
