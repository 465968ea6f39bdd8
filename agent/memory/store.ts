/**
 * Conversation memory. PostgreSQL is the system of record: a turn (the user message, every tool
 * call and result, the answer) commits in ONE transaction before the agent answers 200, so an
 * acknowledged turn is never lost. The cache (Redis, or an in-process LRU) is written after the
 * commit and only ever read as a copy.
 *
 * A breaker around PostgreSQL (postgres-health.ts) turns an outage into immediate 503s instead of
 * every request waiting out a connection timeout.
 */
import type pg from 'pg'
import type { CountedMessage } from '../context.js'
import type { AuditRow } from '../tools/index.js'
import { CACHED_TAIL, type SessionCache } from './cache.js'
import { COMMIT_TURNS_SQL, CommitBatcher, commitTurnsValues } from './commit-batch.js'
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
  /** The session id was minted for this turn: nobody can know it before the answer carries it. */
  newSession?: boolean
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

/** A session's owner, message count and newest messages ($2 of them), newest first. */
const HISTORY_SQL = `SELECT s.owner, s.message_count, m.role, m.content, m.tool_calls, m.tool_call_id, m.tokens
  FROM agent_sessions s
  LEFT JOIN LATERAL (
    SELECT * FROM agent_messages WHERE session_id = s.id ORDER BY seq DESC LIMIT $2
  ) m ON true
 WHERE s.id = $1`

/**
 * The conversation_search tool's query: matches among one session's user and assistant messages.
 * The session's messages are read first (the (session_id, seq) index), then matched: the cost is
 * the conversation's size, never the table's. Left to the planner, the GIN index over every
 * session's messages could win instead, and then each search read every message that shares a
 * word with the query: without statistics (embedded PGlite runs no autovacuum, so never
 * ANALYZE), one search read 5,842 pages and dropped 19,798 other sessions' rows at 80k turns,
 * and at a steady 600 chats/s the reference agent's p95 went from 0.42 s to 9 s in 2.5 minutes.
 */
export const SEARCH_SQL = `WITH mine AS MATERIALIZED (
  SELECT role, content, created_at, seq, search FROM agent_messages
   WHERE session_id = $1 AND role IN ('user', 'assistant') AND content IS NOT NULL
)
SELECT role, content, created_at FROM mine, websearch_to_tsquery('english', $2) q
 WHERE search @@ q
 ORDER BY ts_rank(search, q) DESC, seq DESC LIMIT $3`

/** The hot statements' names: PostgreSQL parses and plans each once per connection. */
const COMMIT_STATEMENT = 'agent-commit-turns'
const HISTORY_STATEMENT = 'agent-history'

/**
 * Opens `connections` pooled connections and prepares the hot statements on each (the commit runs
 * with no turns and writes nothing; the history read finds no session), so the first chats meet
 * neither a connection's start nor the commit statement's parse: on the loaded 2-core bench
 * machine a fresh connection's first commit spent 9-25 ms in parse alone, against ~1 ms for a
 * whole warm commit. The pool's `min` keeps them open. Not for embedded PGlite (no named
 * statements there).
 */
export async function warmPool(pool: pg.Pool, connections: number): Promise<void> {
  // Settled, not all: a connection that did open is released even when another failed, or the
  // caller's pool.end() would wait for it forever.
  const opened = await Promise.allSettled(Array.from({ length: connections }, () => pool.connect()))
  const clients = opened.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []))
  try {
    const failed = opened.find((o) => o.status === 'rejected')
    if (failed) throw failed.reason
    await Promise.all(
      clients.map(async (client) => {
        await client.query({ name: COMMIT_STATEMENT, text: COMMIT_TURNS_SQL, values: commitTurnsValues([]) })
        await client.query({ name: HISTORY_STATEMENT, text: HISTORY_SQL, values: ['', CACHED_TAIL] })
      }),
    )
  } finally {
    for (const client of clients) client.release()
  }
}

export class ConversationStore {
  /** PostgreSQL's health: the breaker, and whether a full pool is busy or stuck. */
  readonly health: PostgresHealth
  private readonly batcher: CommitBatcher

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
    const name = this.statementName(COMMIT_STATEMENT)
    this.batcher = new CommitBatcher(async (text, values) => (await this.db(() => this.pool.query({ name, text, values }))).rows)
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
        name: this.statementName(HISTORY_STATEMENT),
        text: HISTORY_SQL,
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
   * Stores a whole turn atomically: the session upsert takes the row lock that orders concurrent
   * turns of a session and yields the first free seq; the turn, its messages and the idempotency
   * record hang off it. If the session belongs to another key the upsert yields no row and nothing
   * of the turn is written (`forbidden`, the caller answers 403); the tool audit rows are stored
   * either way: those calls did happen. Turns committed in the same event-loop turn share one
   * statement and transaction (commit-batch.ts).
   * Resolves once PostgreSQL committed; `cached` once the cache has the turn too, and `alongside`
   * (the caller's own Redis writes, sent after the commit in the same socket write as the cache
   * append: one round trip) has settled. The caller awaits it before answering.
   */
  async commitTurn(turn: TurnRecord, alongside?: () => Promise<unknown>): Promise<{ forbidden: boolean; cached: Promise<unknown> }> {
    if (turn.newSession) return this.commitNewSession(turn, alongside)
    const { forbidden, previous } = await this.batcher.commit(turn)
    if (forbidden) return { forbidden: true, cached: alongside?.() ?? Promise.resolve() }
    // Never rejects: a cache failure is the cache's (it drops the entry or reads as a miss).
    return { forbidden: false, cached: this.cache.inOneWrite(() => Promise.all([this.cache.append(cacheId(turn.sessionId, turn.owner), turn.messages, previous), alongside?.()])) }
  }

  /**
   * A session's first turn, under an id minted for it: until the answer carries the id nobody can
   * ask for that session, so its cache entry (and the caller's Redis writes) go out while
   * PostgreSQL commits instead of after: one round trip less before the answer. If the commit
   * fails (or, for a colliding id, is forbidden) the entry is dropped again; should that drop
   * fail too, the entry is unreachable and expires with its TTL. The answer still waits for
   * PostgreSQL's commit.
   */
  private async commitNewSession(turn: TurnRecord, alongside?: () => Promise<unknown>): Promise<{ forbidden: boolean; cached: Promise<unknown> }> {
    const id = cacheId(turn.sessionId, turn.owner)
    const cached = this.cache.inOneWrite(() => Promise.all([this.cache.append(id, turn.messages, 0), alongside?.()]))
    const drop = () => void cached.then(() => this.cache.drop(id))
    try {
      const { forbidden } = await this.batcher.commit(turn)
      if (forbidden) drop()
      return { forbidden, cached }
    } catch (error) {
      drop()
      throw error
    }
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
    const { rows } = await this.db(() => this.pool.query(SEARCH_SQL, [sessionId, query, limit]))
    return rows.map((r) => ({ role: r.role, content: r.content, createdAt: new Date(r.created_at).toISOString() }))
  }

  /** Runs a PostgreSQL operation through the breaker; an outage becomes a 503 ApiError. */
  db<T>(operation: () => Promise<T>): Promise<T> {
    return this.health.run(operation)
  }
}
