/**
 * Conversation memory. PostgreSQL is the system of record: a turn (the user message, every tool
 * call and result, the answer) commits in ONE transaction before the agent answers 200, so an
 * acknowledged turn is never lost. The cache (Redis, or an in-process LRU) is written after the
 * commit and only ever read as a copy.
 *
 * A breaker around PostgreSQL (postgres-health.ts) turns an outage into immediate 503s instead of
 * every request waiting out a connection timeout.
 */
import { randomUUID } from 'node:crypto'
import type pg from 'pg'
import type { CountedMessage } from '../context.js'
import { AUDIT_COLUMNS, AUDIT_TABLE, type AuditRow, auditArrays, auditUnnest, jsonWithoutNul } from '../tools/index.js'
import { CACHED_TAIL, type SessionCache } from './cache.js'
import { PostgresHealth } from './postgres-health.js'


const cacheId = (sessionId: string, owner: string) => `${owner}/${sessionId}`

export interface TurnRecord {
  sessionId: string
  owner: string
  userId?: string
  requestId: string
  model: string
  iterations: number
  promptTokens: number
  completionTokens: number
  costUsd: number
  injectionFlagged: boolean
  /** The new messages of this turn, in order (user, assistant tool calls, tool results, answer). */
  messages: CountedMessage[]
  /** Marks the idempotency key done with this response, in the same transaction. */
  idempotency?: { owner: string; key: string; response: unknown }
  /** The turn's tool-call audit rows, stored in the same statement (one round trip per turn). */
  toolAudit?: AuditRow[]
}

export interface SessionHistory {
  /** Undefined when the session does not exist yet. */
  owner?: string
  messages: CountedMessage[]
}

export interface StoredMessage {
  seq: number
  role: string
  content: string | null
  tool_calls: unknown
  tool_call_id: string | null
  created_at: string
}

export class ConversationStore {
  /** PostgreSQL's health: the breaker, and whether a full pool is busy or stuck. */
  readonly health: PostgresHealth

  constructor(
    readonly pool: pg.Pool,
    readonly cache: SessionCache,
    /**
     * Name the hot statements so PostgreSQL parses and plans them once per connection, not once
     * per chat. Off for embedded PGlite: its socket connections share one session, where a second
     * connection preparing the same name would fail.
     */
    private readonly namedStatements = false,
  ) {
    this.health = new PostgresHealth(pool)
  }

  /** False while PostgreSQL's breaker is open (the server answers 503 before an LLM call). */
  available(): boolean {
    return this.health.available()
  }

  private statementName(name: string): string | undefined {
    return this.namedStatements ? name : undefined
  }

  async ping(): Promise<void> {
    await this.db(() => this.pool.query('SELECT 1'))
  }

  /** Recent history (newest CACHED_TAIL messages) from the cache, else PostgreSQL (then cached). */
  async history(sessionId: string, owner: string): Promise<SessionHistory> {
    // Cache entries are keyed by owner too: another key's request misses and meets the owner check.
    const cached = await this.cache.get(cacheId(sessionId, owner))
    if (cached) return { owner, messages: cached }
    const { rows } = await this.db(() =>
      this.pool.query({
        name: this.statementName('agent-history'),
        text: `SELECT s.owner, s.message_count, m.role, m.content, m.tool_calls, m.tool_call_id, m.tokens
           FROM agent_sessions s
           LEFT JOIN LATERAL (
             SELECT * FROM agent_messages WHERE session_id = s.id ORDER BY seq DESC LIMIT $2
           ) m ON true
          WHERE s.id = $1`,
        values: [sessionId, CACHED_TAIL],
      }),
    )
    if (rows.length === 0) return { messages: [] }
    const messages: CountedMessage[] = rows
      .filter((r) => r.role !== null)
      .reverse()
      .map((r) => ({
        role: r.role,
        content: r.content,
        tokens: r.tokens,
        ...(r.tool_calls ? { tool_calls: r.tool_calls } : {}),
        ...(r.tool_call_id ? { tool_call_id: r.tool_call_id } : {}),
      }))
    if (rows[0].owner === owner) await this.cache.fill(cacheId(sessionId, owner), messages, rows[0].message_count)
    return { owner: rows[0].owner, messages }
  }

  /**
   * Stores a whole turn atomically in ONE statement (one round trip, its own transaction): the
   * session upsert takes the row lock that orders concurrent turns of a session and yields the
   * first free seq; the turn, its messages and the idempotency record hang off it. If the session
   * belongs to another key the upsert yields no row and nothing of the turn is written (`forbidden`,
   * the caller answers 403); the tool audit rows are stored either way: those calls did happen.
   * Resolves once PostgreSQL committed; `cached` once the cache has the turn too, and `alongside`
   * (the caller's own Redis writes, sent after the commit in the same socket write as the cache
   * append: one round trip) has settled. The caller awaits it before answering.
   */
  async commitTurn(turn: TurnRecord, alongside?: () => Promise<unknown>): Promise<{ forbidden: boolean; cached: Promise<unknown> }> {
    const m = turn.messages
    const { rows } = await this.db(() =>
      this.pool.query<{ previous: number }>({
        name: this.statementName('agent-commit-turn'),
        text: `WITH s AS (
           INSERT INTO agent_sessions AS cur (id, owner, user_id, message_count) VALUES ($1, $2, $3, $4)
           ON CONFLICT (id) DO UPDATE SET message_count = cur.message_count + EXCLUDED.message_count, updated_at = now()
             WHERE cur.owner = EXCLUDED.owner
           RETURNING message_count - $4 AS previous
         ), t AS (
           INSERT INTO agent_turns (id, session_id, request_id, model, iterations, prompt_tokens, completion_tokens, cost_usd, injection_flagged)
           SELECT $5, $1, $6, $7, $8, $9, $10, $11, $12 FROM s
         ), msg AS (
           INSERT INTO agent_messages (session_id, turn_id, seq, role, content, tool_calls, tool_call_id, tokens)
           SELECT $1, $5, s.previous + m.ord, m.role, m.content, m.tool_calls::jsonb, m.tool_call_id, m.tokens
             FROM s, unnest($13::text[], $14::text[], $15::text[], $16::text[], $17::int[])
                  WITH ORDINALITY AS m(role, content, tool_calls, tool_call_id, tokens, ord)
         ), idem AS (
           UPDATE agent_idempotency SET status = 'done', response = $20::jsonb
            WHERE owner = $18 AND key = $19 AND EXISTS (SELECT 1 FROM s)
         ), audit AS (
           INSERT INTO ${AUDIT_TABLE} (${AUDIT_COLUMNS}) SELECT * FROM unnest(${auditUnnest(21)})
         )
         SELECT previous FROM s`,
        values: [
          turn.sessionId, turn.owner, turn.userId ?? null, m.length,
          randomUUID(), turn.requestId, turn.model, turn.iterations, turn.promptTokens, turn.completionTokens, turn.costUsd, turn.injectionFlagged,
          // NUL is stripped from what the model or a tool produced: PostgreSQL text cannot hold it.
          m.map((x) => x.role), m.map((x) => x.content?.replaceAll('\0', '') ?? null), m.map((x) => (x.tool_calls ? jsonWithoutNul(x.tool_calls) : null)),
          m.map((x) => x.tool_call_id?.replaceAll('\0', '') ?? null), m.map((x) => x.tokens),
          turn.idempotency?.owner ?? null, turn.idempotency?.key ?? null, turn.idempotency ? jsonWithoutNul(turn.idempotency.response) : null,
          ...auditArrays(turn.toolAudit ?? []),
        ],
      }),
    )
    if (rows.length === 0) return { forbidden: true, cached: alongside?.() ?? Promise.resolve() }
    const previous = rows[0].previous
    // Never rejects: a cache failure is the cache's (it drops the entry or reads as a miss).
    return { forbidden: false, cached: this.cache.inOneWrite(() => Promise.all([this.cache.append(cacheId(turn.sessionId, turn.owner), m, previous), alongside?.()])) }
  }

  /** Every stored message of a session, oldest first (GET /sessions/:id/messages). */
  async messages(sessionId: string): Promise<{ owner?: string; messages: StoredMessage[] }> {
    const { rows } = await this.db(() =>
      this.pool.query(
        `SELECT s.owner, m.seq, m.role, m.content, m.tool_calls, m.tool_call_id, m.created_at
           FROM agent_sessions s LEFT JOIN agent_messages m ON m.session_id = s.id
          WHERE s.id = $1 ORDER BY m.seq`,
        [sessionId],
      ),
    )
    if (rows.length === 0) return { messages: [] }
    const messages = rows
      .filter((r) => r.seq !== null)
      .map(({ owner: _owner, created_at, ...m }) => ({ ...m, created_at: new Date(created_at).toISOString() }))
    return { owner: rows[0].owner, messages }
  }

  /** Full-text search over a session's user and assistant messages (the conversation_search tool). */
  async search(sessionId: string, query: string, limit: number): Promise<Array<{ role: string; content: string; createdAt: string }>> {
    const { rows } = await this.db(() =>
      this.pool.query(
        `SELECT role, content, created_at FROM agent_messages, websearch_to_tsquery('english', $2) q
          WHERE session_id = $1 AND role IN ('user', 'assistant') AND content IS NOT NULL AND search @@ q
          ORDER BY ts_rank(search, q) DESC, seq DESC LIMIT $3`,
        [sessionId, query, limit],
      ),
    )
    return rows.map((r) => ({ role: r.role, content: r.content, createdAt: new Date(r.created_at).toISOString() }))
  }

  /** Runs a PostgreSQL operation through the breaker; an outage becomes a 503 ApiError. */
  db<T>(operation: () => Promise<T>): Promise<T> {
    return this.health.run(operation)
  }
}
