import { describe, expect, it } from 'vitest'
import { newTurnTiming, serverTiming } from './server-timing.js'

/** How bench/agent.mjs and load tools read the header. */
const parse = (header: string) => Object.fromEntries([...header.matchAll(/(\w+);dur=([\d.]+)/g)].map(([, name, ms]) => [name, Number(ms)]))

describe('Server-Timing', () => {
  it('names every span; total - llm is the agent own time', () => {
    const timing = { ...newTurnTiming(), historyMs: 0.84, llmMs: 503.25, toolMs: 0.12, commitMs: 2.5, dbMs: 1.94 }
    const header = serverTiming(timing, 508.9)
    expect(header).toBe('history;dur=0.8, llm;dur=503.3, tools;dur=0.1, commit;dur=2.5, db;dur=1.9, total;dur=508.9')
    const dur = parse(header)
    expect(Object.keys(dur)).toEqual(['history', 'llm', 'tools', 'commit', 'db', 'total'])
    expect(dur.total! - dur.llm!).toBeCloseTo(5.6, 5)
    expect(dur.db).toBeLessThanOrEqual(dur.commit!) // the PostgreSQL statement is part of the commit
  })

  it('a turn that skipped a stage reports it as 0, never leaves it out', () => {
    expect(parse(serverTiming(newTurnTiming(), 1))).toEqual({ history: 0, llm: 0, tools: 0, commit: 0, db: 0, total: 1 })
  })
})
