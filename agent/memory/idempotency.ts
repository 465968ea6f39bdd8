/**
 * `Idempotency-Key` on POST /chat, stored in PostgreSQL next to the turns so a replay can never
 * disagree with what was committed: the key is marked done in the turn's own transaction.
 *
 * - first use: the key is claimed (`in_flight`) and the chat runs;
 * - same key, same body, finished: the stored answer is replayed (no LLM call);
 * - same key while the first request still runs: 409;
 * - same key with a different body: 422;
 * - a failed request releases its key so the client can retry; a claim left by a crashed replica
 *   is taken over once it is older than the request timeout.
 */
import { createHash } from 'node:crypto'
import { ApiError } from '../errors.js'
import type { ConversationStore } from './store.js'

/** How long stored answers stay replayable. */
const RETENTION_HOURS = 24

export type Claim = { state: 'claimed' } | { state: 'replay'; response: unknown }

export function requestHash(body: unknown): string {
  return createHash('sha256').update(JSON.stringify(body)).digest('hex')
}

export async function claimKey(store: ConversationStore, owner: string, key: string, hash: string, staleAfterMs: number): Promise<Claim> {
  const claimed = await store.db(() =>
    store.pool.query(
      `INSERT INTO agent_idempotency (owner, key, request_hash, status) VALUES ($1, $2, $3, 'in_flight')
       ON CONFLICT (owner, key) DO UPDATE SET created_at = now()
        WHERE agent_idempotency.status = 'in_flight'
          AND agent_idempotency.request_hash = EXCLUDED.request_hash
          AND agent_idempotency.created_at < now() - make_interval(secs => $4::double precision / 1000)
       RETURNING status`,
      [owner, key, hash, staleAfterMs],
    ),
  )
  if (claimed.rowCount === 1) return { state: 'claimed' }
  const { rows } = await store.db(() =>
    store.pool.query('SELECT request_hash, status, response FROM agent_idempotency WHERE owner = $1 AND key = $2', [owner, key]),
  )
  const row = rows[0]
  if (!row) return claimKey(store, owner, key, hash, staleAfterMs) // released between our two queries
  if (row.request_hash !== hash) {
    throw new ApiError(422, 'invalid_request_error', 'this Idempotency-Key was already used with a different request body', {
      code: 'idempotency_key_reused',
      param: 'Idempotency-Key',
    })
  }
  if (row.status === 'in_flight') {
    throw new ApiError(409, 'conflict_error', 'a request with this Idempotency-Key is still being processed; retry shortly', {
      code: 'idempotency_in_flight',
      param: 'Idempotency-Key',
      retryAfterSec: 1,
    })
  }
  return { state: 'replay', response: row.response }
}

/**
 * Frees a claim after a failure, so the client's retry runs instead of meeting 409. The failure
 * may be PostgreSQL itself (busy or down), so the caller does not wait for it: a few attempts run
 * in the background (the retry meanwhile gets 409 with Retry-After 1), and a claim that still
 * cannot be freed goes stale and is taken over after its lease.
 */
export async function releaseKey(store: ConversationStore, owner: string, key: string, attempts = 5, delayMs = 500): Promise<boolean> {
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      await store.pool.query(`DELETE FROM agent_idempotency WHERE owner = $1 AND key = $2 AND status = 'in_flight'`, [owner, key])
      return true
    } catch {
      if (attempt < attempts) await new Promise((resolve) => setTimeout(resolve, delayMs * attempt))
    }
  }
  return false
}

export async function purgeExpiredKeys(store: ConversationStore): Promise<number> {
  const result = await store.pool.query(`DELETE FROM agent_idempotency WHERE created_at < now() - make_interval(hours => $1)`, [RETENTION_HOURS])
  return result.rowCount ?? 0
}
