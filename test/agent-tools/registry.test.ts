import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createToolRegistry, DEFAULT_PERMISSIONS, pruneToolAudit, type ToolOutcome } from '../../agent/tools/index.js'
import { createPgFixture, memoryLogger, toolContext, type PgFixture } from './pg-fixture.js'

let fx: PgFixture
beforeAll(async () => {
  fx = await createPgFixture('reg')
})
afterAll(async () => fx?.close())

const observed: Array<{ tool: string; outcome: ToolOutcome }> = []
const registry = createToolRegistry({
  httpAllowlist: [],
  toolTimeoutMs: 300,
  sqlStatementTimeoutMs: 5000, // longer than the tool timeout: the registry's deadline must win
  onToolCall: (e) => observed.push(e),
})
const auditRows = async (requestId: string) =>
  (await fx.admin.query(`SELECT * FROM "${fx.schema}".agent_tool_audit WHERE request_id = $1 ORDER BY id`, [requestId])).rows

describe('tool registry', () => {
  it('offers each role only its tools, with JSON Schemas derived from zod', () => {
    const names = (role: string) => registry.definitions(role).map((d) => d.function.name)
    expect(names('admin')).toEqual(['calculator', 'current_time', 'conversation_search', 'sql_query'])
    expect(names('user')).toEqual(['calculator', 'current_time', 'conversation_search', 'sql_query'])
    expect(names('readonly')).toEqual(['calculator', 'current_time'])
    expect(names('nobody')).toEqual([])
    const calc = registry.definitions('admin')[0]!
    expect(calc).toMatchObject({ type: 'function', function: { parameters: { type: 'object', required: ['expression'], additionalProperties: false } } })
    expect(calc.function.parameters).not.toHaveProperty('$schema')
    expect(DEFAULT_PERMISSIONS.admin).toBe('*')
  })

  it('runs a call and audits it: a PostgreSQL row and a log line', async () => {
    const { logger, lines } = memoryLogger()
    const ctx = toolContext(fx.pool, { logger, role: 'readonly' })
    const result = await registry.execute({ name: 'calculator', arguments: '{"expression":"2 + 3 * 4"}' }, ctx)
    expect(result).toEqual({ outcome: 'success', content: JSON.stringify({ expression: '2 + 3 * 4', result: 14 }) })
    const [row] = await auditRows(ctx.requestId)
    expect(row).toMatchObject({ session_id: 'sess-1', user_id: 'user-1', role: 'readonly', tool: 'calculator', outcome: 'success', arguments: { expression: '2 + 3 * 4' }, error: null })
    expect(row.duration_ms).toBeGreaterThanOrEqual(0)
    expect(lines.find((l) => l.msg === 'tool call')).toMatchObject({ tool: 'calculator', outcome: 'success', requestId: ctx.requestId })
    expect(observed.at(-1)).toMatchObject({ tool: 'calculator', outcome: 'success' })
  })

  it('redacts secrets in audited arguments (table and log)', async () => {
    const { logger, lines } = memoryLogger()
    const ctx = toolContext(fx.pool, { logger })
    await registry.execute({ name: 'conversation_search', arguments: JSON.stringify({ query: 'my key is sk-proj-abcdefghijklmnop1234' }) }, ctx)
    const [row] = await auditRows(ctx.requestId)
    expect(JSON.stringify(row.arguments)).not.toContain('abcdefghijklmnop1234')
    expect(JSON.stringify(lines)).not.toContain('abcdefghijklmnop1234')
  })

  it('tells the model what is wrong with bad arguments (invalid_args), and audits the raw text redacted', async () => {
    const ctx = toolContext(fx.pool)
    const notJson = await registry.execute({ name: 'calculator', arguments: '{"expression": 1 + password=hunter2secret' }, ctx)
    expect(notJson.outcome).toBe('invalid_args')
    expect(notJson.content).toMatch(/not valid JSON/)
    const wrongType = await registry.execute({ name: 'calculator', arguments: '{"expression": 42}' }, ctx)
    expect(wrongType).toMatchObject({ outcome: 'invalid_args', content: expect.stringContaining('expression:') })
    const extra = await registry.execute({ name: 'current_time', arguments: '{"tz": "UTC"}' }, ctx)
    expect(extra).toMatchObject({ outcome: 'invalid_args', content: expect.stringContaining('tz') })
    const parsed = await registry.execute({ name: 'calculator', arguments: { expression: '6 * 7' } as unknown as string }, toolContext(fx.pool))
    expect(parsed).toMatchObject({ outcome: 'success', content: expect.stringContaining('42') })
    const array = await registry.execute({ name: 'calculator', arguments: '[1, 2]' }, ctx)
    expect(array).toMatchObject({ outcome: 'invalid_args', content: expect.stringContaining('expected object') })
    const unknown = await registry.execute({ name: 'rm_rf', arguments: '{}' }, ctx)
    expect(unknown).toMatchObject({ outcome: 'invalid_args', content: expect.stringContaining('Unknown tool "rm_rf"') })
    const rows = await auditRows(ctx.requestId)
    expect(rows.map((r) => r.outcome)).toEqual(['invalid_args', 'invalid_args', 'invalid_args', 'invalid_args', 'invalid_args'])
    expect(JSON.stringify(rows[0].arguments)).not.toContain('hunter2secret')
  })

  it('denies tools outside the role and audits the denial', async () => {
    const ctx = toolContext(fx.pool, { role: 'readonly' })
    const result = await registry.execute({ name: 'sql_query', arguments: '{"query":"SELECT 1"}' }, ctx)
    expect(result).toEqual({ outcome: 'denied', content: 'Permission denied: role "readonly" may not use sql_query.' })
    expect((await auditRows(ctx.requestId))[0]).toMatchObject({ outcome: 'denied', tool: 'sql_query' })
  })

  it('custom permission tables replace the defaults', async () => {
    const custom = createToolRegistry({ httpAllowlist: [], toolTimeoutMs: 300, permissions: { analyst: ['sql_query'] } })
    expect(custom.definitions('analyst').map((d) => d.function.name)).toEqual(['sql_query'])
    expect(custom.definitions('admin')).toEqual([])
  })

  it('stops a call at toolTimeoutMs (timeout) and one whose request was abandoned (error)', async () => {
    const ctx = toolContext(fx.pool, { role: 'admin' }) // pg_sleep: a pg_* name, admin only
    const started = Date.now()
    const marker = `sleep_${ctx.requestId.replace(/\W/g, '')}`
    const slow = await registry.execute({ name: 'sql_query', arguments: JSON.stringify({ query: `SELECT pg_sleep(3) AS ${marker}` }) }, ctx)
    expect(slow).toEqual({ outcome: 'timeout', content: 'sql_query timed out after 300 ms.' })
    expect(Date.now() - started).toBeLessThan(1500)
    // The server-side statement is stopped too (connection closed + client_connection_check_interval).
    await new Promise((resolve) => setTimeout(resolve, 700))
    const sleeping = await fx.admin.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE $1 AND state = 'active' AND pid <> pg_backend_pid()`, [`%${marker}%`])
    expect(sleeping.rows[0].n).toBe(0)
    const abandoned = new AbortController()
    const pending = registry.execute({ name: 'sql_query', arguments: '{"query":"SELECT pg_sleep(3)"}' }, toolContext(fx.pool, { signal: abandoned.signal }))
    setTimeout(() => abandoned.abort(new Error('client went away')), 50)
    expect(await pending).toMatchObject({ outcome: 'error', content: expect.stringContaining('cancelled') })
    expect((await auditRows(ctx.requestId))[0]).toMatchObject({ outcome: 'timeout' })
  })

  it('conversation_search goes through the memory search of the session', async () => {
    const calls: Array<[string, number]> = []
    const ctx = toolContext(fx.pool, {
      searchConversation: async (query, limit) => {
        calls.push([query, limit])
        return [{ role: 'user', content: 'my order number is 4711', createdAt: '2026-01-01T00:00:00.000Z' }]
      },
    })
    const result = await registry.execute({ name: 'conversation_search', arguments: '{"query":"order number"}' }, ctx)
    expect(calls).toEqual([['order number', 5]])
    expect(JSON.parse(result.content)).toEqual({ query: 'order number', matches: [{ role: 'user', createdAt: '2026-01-01T00:00:00.000Z', content: 'my order number is 4711' }] })
  })

  it('current_time answers in an IANA zone and rejects unknown ones', async () => {
    const ctx = toolContext(fx.pool)
    const tokyo = JSON.parse((await registry.execute({ name: 'current_time', arguments: '{"timezone":"Asia/Tokyo"}' }, ctx)).content)
    expect(tokyo).toMatchObject({ timezone: 'Asia/Tokyo', utcOffset: '+09:00' })
    expect(tokyo.iso).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+09:00$/)
    expect(Math.abs(Date.parse(tokyo.iso) - Date.now())).toBeLessThan(5000)
    const utc = JSON.parse((await registry.execute({ name: 'current_time', arguments: '' }, ctx)).content)
    expect(utc.iso).toMatch(/Z$/)
    const bad = await registry.execute({ name: 'current_time', arguments: '{"timezone":"Mars/Olympus"}' }, ctx)
    expect(bad).toMatchObject({ outcome: 'error', content: expect.stringContaining('unknown time zone "Mars/Olympus"') })
  })

  it('prunes audit rows past their retention', async () => {
    await fx.admin.query(`INSERT INTO "${fx.schema}".agent_tool_audit (at, request_id, session_id, role, tool, outcome, duration_ms) VALUES (now() - interval '40 days', 'old', 's', 'admin', 'calculator', 'success', 1)`)
    expect(await pruneToolAudit(fx.pool, 30)).toBe(1)
    expect(await auditRows('old')).toEqual([])
    expect((await fx.admin.query(`SELECT count(*)::int AS n FROM "${fx.schema}".agent_tool_audit`)).rows[0].n).toBeGreaterThan(0)
  })
})
