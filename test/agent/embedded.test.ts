/**
 * Embedded defaults: with DATABASE_URL and REDIS_URL unset the agent runs on PGlite (served to the
 * same pg code path through pglite-socket) and an in-process cache. PGlite's first start runs
 * initdb in WASM, which is slow on a loaded machine; hence its own file and a generous timeout.
 */
import { describe, expect, it } from 'vitest'
import { startTestAgent } from './support.js'

describe('embedded defaults', () => {
  it('runs on PGlite + in-process cache when DATABASE_URL and REDIS_URL are unset', { timeout: 120_000 }, async () => {
    const { mkdtempSync, rmSync } = await import('node:fs')
    const { tmpdir } = await import('node:os')
    const { join } = await import('node:path')
    const dir = mkdtempSync(join(tmpdir(), 'agent-embedded-'))
    const t = await startTestAgent({ DATABASE_URL: undefined, REDIS_URL: undefined, AGENT_DATA_DIR: dir })
    try {
      const first = await t.chat({ message: 'what is 2 + 3?' })
      expect(first.status).toBe(200)
      const second = await t.chat({ message: 'and 4 + 5?', session_id: first.body.session_id })
      expect(second.status).toBe(200)
      const stored = await t.get(`/sessions/${first.body.session_id}/messages`)
      expect(stored.body.messages).toHaveLength(8)
      const ready = await t.get('/ready')
      expect(ready.status).toBe(200)
      expect(ready.body.checks['postgresql:responseTime'][0].output).toContain('PGlite')
    } finally {
      await t.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

