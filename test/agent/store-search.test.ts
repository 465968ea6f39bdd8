/**
 * The conversation_search tool's query costs the size of one conversation, never the size of the
 * table, even with no planner statistics. Embedded PGlite runs no autovacuum, so it never
 * analyzes: left to the planner, the search went through the full-text index over every
 * session's messages, and the reference agent's capacity under `load --self` halved within two
 * minutes as the table grew. Run on PGlite (the agent's own embedded server) for that reason.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createMemoryCache } from '../../agent/memory/cache.js'
import { type EmbeddedPostgres, startEmbeddedPostgres } from '../../agent/memory/embedded.js'
import { migrate } from '../../agent/memory/migrations.js'
import { ConversationStore, SEARCH_SQL } from '../../agent/memory/store.js'

/** Other sessions whose messages share every word with the query. */
const OTHER_SESSIONS = 100000

let dir: string
let embedded: EmbeddedPostgres
let pool: pg.Pool

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'agent-search-'))
  embedded = await startEmbeddedPostgres(dir)
  pool = new pg.Pool({ connectionString: embedded.url, max: 1 })
  await migrate(pool)
  await pool.query(`
    INSERT INTO agent_sessions (id, owner, message_count) SELECT 's' || n, 'k', 2 FROM generate_series(0, ${OTHER_SESSIONS}) n;
    INSERT INTO agent_turns (id, session_id, request_id, model, iterations, prompt_tokens, completion_tokens, cost_usd)
      SELECT md5('t' || n)::uuid, 's' || n, 'r', 'm', 1, 1, 1, 0 FROM generate_series(0, ${OTHER_SESSIONS}) n;
    INSERT INTO agent_messages (session_id, turn_id, seq, role, content, tokens)
      SELECT 's' || n, md5('t' || n)::uuid, r.seq, r.role, r.content || ' (' || n || ')', 5
        FROM generate_series(0, ${OTHER_SESSIONS}) n,
             (VALUES (1, 'user', 'What did I ask you earlier about the deploy?'), (2, 'assistant', 'You asked earlier about the deploy window.')) r(seq, role, content);`)
}, 120_000)

afterAll(async () => {
  await pool?.end()
  await embedded?.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('conversation search', () => {
  it("finds only this session's matches, best first", async () => {
    const store = new ConversationStore(pool, createMemoryCache({ ttlSeconds: 60 }))
    const hits = await store.search('s42', 'asked earlier deploy', 5)
    expect(hits.map((h) => [h.role, h.content])).toEqual([
      ['assistant', 'You asked earlier about the deploy window. (42)'],
      ['user', 'What did I ask you earlier about the deploy? (42)'],
    ])
    expect(await store.search('s42', 'kubernetes', 5)).toEqual([])
  })

  it(`reads a handful of pages with ${OTHER_SESSIONS} other sessions sharing the words, and no statistics`, async () => {
    const { rows } = await pool.query<{ analyzed: number }>(`SELECT count(*)::int AS analyzed FROM pg_stats WHERE tablename = 'agent_messages'`)
    expect(rows[0].analyzed, 'the table must be unanalyzed, as in embedded PGlite').toBe(0)
    const plan = await pool.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${SEARCH_SQL}`, ['s42', 'asked earlier deploy', 5])
    const top = plan.rows[0]['QUERY PLAN'][0].Plan
    const pages = top['Shared Hit Blocks'] + top['Shared Read Blocks']
    // This session's two messages are on one heap page behind a 2-3 level index. The query the
    // planner was left to plan read every message that shared a word: 5,664 pages (49 ms) here.
    expect(pages, JSON.stringify(plan.rows[0]['QUERY PLAN'][0])).toBeLessThan(20)
  })
})
