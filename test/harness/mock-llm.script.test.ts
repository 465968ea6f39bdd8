import { fileURLToPath } from 'node:url'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createFault, loadScriptFixtures, MockLlmEngine, SCENARIO_NAMES, SCENARIOS } from '../../harness/index.js'
import { argumentsFor, expressionIn } from '../../harness/mock-llm/schema-args.js'
import { chooseTool, compileScripts, planReply } from '../../harness/mock-llm/script.js'
import { StatsRecorder } from '../../harness/mock-llm/stats.js'
import { lognormalMs, seededRandom } from '../../harness/mock-llm/random.js'
import type { ChatRequest, ToolDefinition } from '../../harness/mock-llm/types.js'

const tool = (name: string, parameters?: ToolDefinition['function']['parameters']): ToolDefinition => ({ type: 'function', function: { name, parameters } })
const ask = (content: string, extra: Partial<ChatRequest> = {}): ChatRequest => ({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }], ...extra })

describe('default script', () => {
  it('picks tools by keyword, else the first, and honours a named tool_choice', () => {
    const tools = ['http_get', 'calculator', 'current_time', 'sql_query', 'conversation_search'].map((n) => tool(n))
    expect(chooseTool(tools, 'what is 17 * 3', undefined).function.name).toBe('calculator')
    expect(chooseTool(tools, 'what time is it in Paris', undefined).function.name).toBe('current_time')
    expect(chooseTool(tools, 'how many rows are in the orders table', undefined).function.name).toBe('sql_query')
    expect(chooseTool(tools, 'what did I say earlier', undefined).function.name).toBe('conversation_search')
    expect(chooseTool(tools, 'fetch the status page', undefined).function.name).toBe('http_get')
    expect(chooseTool(tools, 'what is 2+2', { type: 'function', function: { name: 'sql_query' } }).function.name).toBe('sql_query')
  })

  it('builds arguments valid against the schema: required fields, types, enums, bounds', () => {
    const schema = {
      type: 'object',
      properties: {
        city: { type: 'string', minLength: 2, maxLength: 10 },
        unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
        days: { type: 'integer', minimum: 1, maximum: 7 },
        limit: { type: 'integer', maximum: 3 },
        detailed: { type: 'boolean' },
        tags: { type: 'array', items: { type: 'string' }, minItems: 2 },
        window: { type: 'object', properties: { from: { type: 'string', format: 'date-time' } }, required: ['from'] },
        optional_note: { type: 'string' },
      },
      required: ['city', 'unit', 'days', 'limit', 'detailed', 'tags', 'window'],
    }
    const args = argumentsFor('weather', schema, 'Weather in Lisbon for the weekend?')
    expect(args).toEqual({ city: 'Weather Li', unit: 'celsius', days: 1, limit: 3, detailed: true, tags: [expect.any(String), expect.any(String)], window: { from: '2026-01-01T00:00:00Z' } })
    expect(args).not.toHaveProperty('optional_note')
  })

  it('gives the reference tools meaningful arguments', () => {
    const expression = { type: 'object', properties: { expression: { type: 'string' } }, required: ['expression'] }
    expect(argumentsFor('calculator', expression, 'what is (12 + 30) * 2 ?')).toEqual({ expression: '(12 + 30) * 2' })
    expect(argumentsFor('calculator', expression, 'add some numbers')).toEqual({ expression: '2+2' })
    expect(argumentsFor('sql_query', { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] }, 'count the rows')).toEqual({ query: 'SELECT 1 AS one' })
    expect(expressionIn('call 555 1234 then 3/4')).toBe('3/4')
  })

  it('answers a tool result by quoting it, and is deterministic for a seed', () => {
    const messages: ChatRequest['messages'] = [
      { role: 'user', content: 'what is 6*7' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_a', type: 'function', function: { name: 'calculator', arguments: '{"expression":"6*7"}' } }] },
      { role: 'tool', tool_call_id: 'call_a', content: '42' },
    ]
    expect(planReply({ model: 'm', messages, tools: [tool('calculator')] }, 1, [])).toEqual({ content: 'According to calculator: 42', toolCalls: [], finishReason: 'stop' })
    expect(planReply(ask('hello'), 9, [])).toEqual(planReply(ask('hello'), 9, []))
    const openers = new Set(Array.from({ length: 12 }, (_, seed) => planReply(ask('hello there'), seed, []).content))
    expect(openers.size).toBeGreaterThan(1)
    expect(planReply(ask('what is 2+2', { tools: [tool('calculator')], tool_choice: 'none' }), 1, []).toolCalls).toEqual([])
  })

  it('plays script fixtures turn by turn, per model', () => {
    const scripts = compileScripts([
      { match: 'refund', replies: [{ tool_calls: [{ name: 'sql_query', arguments: { query: 'SELECT 1' } }] }, { content: 'done' }] },
      { match: 'summar', model: 'gpt-4o', replies: [{ content: 'summary' }] },
    ])
    const first = planReply(ask('a refund please'), 1, scripts)
    expect(first.toolCalls[0]).toMatchObject({ name: 'sql_query', arguments: '{"query":"SELECT 1"}' })
    const later = planReply({ model: 'm', messages: [...ask('a refund please').messages, { role: 'assistant', content: null, tool_calls: [] }, { role: 'tool', content: 'x' }] }, 1, scripts)
    expect(later.content).toBe('done')
    expect(planReply({ ...ask('summarize'), model: 'gpt-4o' }, 1, scripts).content).toBe('summary')
    expect(planReply(ask('summarize'), 1, scripts).content).not.toBe('summary')
  })

  it('loads the shipped YAML fixture and rejects broken files with the path', () => {
    const shipped = fileURLToPath(new URL('../../fixtures/scripts/support-agent.yaml', import.meta.url))
    const fixtures = loadScriptFixtures(shipped)
    expect(fixtures.map((f) => f.match)).toContain('refund|money back')
    const dir = mkdtempSync(join(tmpdir(), 'mock-llm-scripts-'))
    writeFileSync(join(dir, 'bad.json'), JSON.stringify([{ match: 'x', replies: [{ contnet: 'typo' }] }]))
    expect(() => loadScriptFixtures(join(dir, 'bad.json'))).toThrow(/bad\.json: 0\.replies\.0/)
    writeFileSync(join(dir, 'regex.yaml'), '- match: "(unclosed"\n  replies: [{content: x}]\n')
    expect(() => loadScriptFixtures(join(dir, 'regex.yaml'))).toThrow(/0\.match/)
    rmSync(dir, { recursive: true, force: true })
  })
})

describe('scenario catalogue', () => {
  it('documents every scenario and builds each one', () => {
    expect(SCENARIO_NAMES).toEqual(expect.arrayContaining(['healthy', 'slow', 'hang', 'error-storm', 'flaky', 'rate-limited', 'quota', 'bad-request', 'context-length', 'content-filter', 'malformed-json', 'truncated-stream', 'connection-reset', 'empty-choices', 'bad-tool-args', 'tool-loop', 'length']))
    for (const scenario of SCENARIOS) {
      expect(scenario.summary.length).toBeLessThanOrEqual(58)
      expect(scenario.agentShould.length).toBeGreaterThan(10)
      expect(createFault(scenario.name, { count: 1, probability: 0.5, model: 'x' }).name).toBe(scenario.name)
    }
    expect(() => createFault('toString')).toThrow(/unknown scenario/)
    const readme = readFileSync(fileURLToPath(new URL('../../harness/README.md', import.meta.url)), 'utf8')
    for (const name of SCENARIO_NAMES) expect(readme).toContain(`| \`${name}\` |`)
    expect(() => createFault('slow', { probability: 2 })).toThrow(/probability/)
  })
})

describe('latency distribution', () => {
  it('fits a log-normal to p50/p95', () => {
    const random = seededRandom(11)
    const samples = Array.from({ length: 4_000 }, () => lognormalMs(random, 800, 3_000)).sort((a, b) => a - b)
    expect(samples[2_000]!).toBeGreaterThan(700)
    expect(samples[2_000]!).toBeLessThan(900)
    expect(samples[3_800]!).toBeGreaterThan(2_600)
    expect(samples[3_800]!).toBeLessThan(3_400)
  })
})

describe('stats', () => {
  it('keeps the last 10 000 calls in arrival order with exact counters', () => {
    const recorder = new StatsRecorder()
    for (let seq = 1; seq <= 10_005; seq++) recorder.record({ seq, t: seq, model: seq % 2 ? 'a' : 'b', scenario: 'healthy', outcome: seq % 5 ? 'ok' : 'error', status: 200, stream: false })
    const stats = recorder.snapshot({ name: 'healthy', params: {} })
    expect(stats.total).toBe(10_005)
    expect(stats.calls).toHaveLength(10_000)
    expect(stats.calls[0]!.seq).toBe(6)
    expect(stats.calls.at(-1)!.seq).toBe(10_005)
    expect(stats.byOutcome).toEqual({ ok: 8_004, error: 2_001 })
    expect(stats.byModel.a!.total).toBe(5_003)
  })

  it('re-seeds on reset so a run replays identically', async () => {
    const engine = new MockLlmEngine({ seed: 3, scenario: 'flaky', scenarioParams: { probability: 0.5 } })
    const run = async () => {
      const outcomes = []
      for (let i = 0; i < 20; i++) {
        const response = await engine.chat(new Request('http://x/v1/chat/completions', { method: 'POST', body: JSON.stringify(ask('hi')) }))
        outcomes.push(response.status)
      }
      return outcomes
    }
    const first = await run()
    engine.reset()
    engine.setScenario('flaky', { probability: 0.5 })
    expect(await run()).toEqual(first)
    expect(new Set(first).size).toBeGreaterThan(1)
  })
})
