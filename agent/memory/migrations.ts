/**
 * Schema migrations, run at start. Each version runs once, inside a transaction holding an
 * advisory lock, so replicas that start together do not race each other.
 */
import type pg from 'pg'

const LOCK_ID = 7_344_001 // arbitrary, constant: "agentctl agent migrations"

const MIGRATIONS: Array<{ version: number; name: string; sql: string }> = [
  {
    version: 1,
    name: 'sessions, turns, messages, idempotency',
    sql: `
      CREATE TABLE agent_sessions (
        id            text PRIMARY KEY,
        owner         text NOT NULL,          -- the API key id that created it; others get 403
        user_id       text,
        message_count integer NOT NULL DEFAULT 0,
        created_at    timestamptz NOT NULL DEFAULT now(),
        updated_at    timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE agent_turns (
        id                uuid PRIMARY KEY,
        session_id        text NOT NULL REFERENCES agent_sessions(id) ON DELETE CASCADE,
        request_id        text NOT NULL,
        model             text NOT NULL,
        iterations        integer NOT NULL,
        prompt_tokens     integer NOT NULL,
        completion_tokens integer NOT NULL,
        cost_usd          numeric(14, 8) NOT NULL,
        injection_flagged boolean NOT NULL DEFAULT false,
        created_at        timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX agent_turns_session ON agent_turns (session_id, created_at);
      CREATE TABLE agent_messages (
        id           bigserial PRIMARY KEY,
        session_id   text NOT NULL REFERENCES agent_sessions(id) ON DELETE CASCADE,
        turn_id      uuid NOT NULL REFERENCES agent_turns(id) ON DELETE CASCADE,
        seq          integer NOT NULL,        -- position in the session, 1-based, gap-free
        role         text NOT NULL CHECK (role IN ('user', 'assistant', 'tool')),
        content      text,
        tool_calls   jsonb,
        tool_call_id text,
        tokens       integer NOT NULL,        -- cached tokenizer count: never re-tokenized
        created_at   timestamptz NOT NULL DEFAULT now(),
        search       tsvector GENERATED ALWAYS AS (to_tsvector('english', coalesce(content, ''))) STORED,
        UNIQUE (session_id, seq)
      );
      CREATE INDEX agent_messages_search ON agent_messages USING gin (search);
      CREATE TABLE agent_idempotency (
        owner        text NOT NULL,
        key          text NOT NULL,
        request_hash text NOT NULL,
        status       text NOT NULL CHECK (status IN ('in_flight', 'done')),
        response     jsonb,
        created_at   timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (owner, key)
      );
      CREATE INDEX agent_idempotency_age ON agent_idempotency (created_at);
    `,
  },
  {
    version: 2,
    name: 'drop the full-text index that no query uses',
    // conversation_search reads one session's messages by (session_id, seq) and matches their
    // stored tsvector there (store.ts SEARCH_SQL); an index over every session's messages only
    // cost each committed message a GIN insert.
    sql: 'DROP INDEX IF EXISTS agent_messages_search',
  },
]

/** Bounds one migration step (a lock wait or a statement), far above the chat path's 10 s. */
const MIGRATION_TIMEOUT_MS = 10 * 60_000

export async function migrate(pool: pg.Pool): Promise<number[]> {
  const client = await pool.connect()
  const applied: number[] = []
  try {
    await client.query('BEGIN')
    // The pool's timeouts (server statement_timeout, client query_timeout) are for chat-path
    // queries; waiting for another replica's migration or building an index may take longer.
    await client.query('SET LOCAL statement_timeout = 0')
    await client.query({ text: 'SELECT pg_advisory_xact_lock($1)', values: [LOCK_ID], query_timeout: MIGRATION_TIMEOUT_MS } as pg.QueryConfig)
    await client.query(`CREATE TABLE IF NOT EXISTS agent_schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`)
    const done = new Set((await client.query<{ version: number }>('SELECT version FROM agent_schema_migrations')).rows.map((r) => r.version))
    for (const migration of MIGRATIONS) {
      if (done.has(migration.version)) continue
      await client.query({ text: migration.sql, query_timeout: MIGRATION_TIMEOUT_MS } as pg.QueryConfig)
      await client.query('INSERT INTO agent_schema_migrations (version, name) VALUES ($1, $2)', [migration.version, migration.name])
      applied.push(migration.version)
    }
    await client.query('COMMIT')
    return applied
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined)
    throw error
  } finally {
    client.release()
  }
}
