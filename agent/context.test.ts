import { describe, expect, it } from 'vitest'
import { countText, fitContext, withCount, type CountedMessage } from './context.js'

const system = withCount({ role: 'system', content: 'You are helpful.' })
const user = (text: string) => withCount({ role: 'user', content: text })
const assistant = (text: string) => withCount({ role: 'assistant', content: text })
const toolCall = (id: string) => withCount({ role: 'assistant', content: null, tool_calls: [{ id, type: 'function', function: { name: 'calculator', arguments: '{"expression":"1+1"}' } }] })
const toolResult = (id: string) => withCount({ role: 'tool', tool_call_id: id, content: '{"result":2}' })

describe('fitContext', () => {
  it('counts with a real tokenizer and tolerates special-token text', () => {
    expect(countText('hello world')).toBe(2)
    expect(countText('a <|endoftext|> b')).toBeGreaterThan(3)
  })

  it('keeps everything that fits, in order', () => {
    const history = [user('one'), assistant('two')]
    const fitted = fitContext(system, history, [user('three')], 1000)
    expect(fitted.messages.map((m) => m.content)).toEqual(['You are helpful.', 'one', 'two', 'three'])
    expect(fitted.dropped).toBe(0)
    expect(fitted.messages[1]).not.toHaveProperty('tokens')
  })

  it('drops the oldest turns first and always keeps the system prompt and the current turn', () => {
    const long = 'word '.repeat(200)
    const history = [user(long), assistant(long), user('recent question'), assistant('recent answer')]
    const current = [user('now')]
    const budget = system.tokens + current[0].tokens + history[2].tokens + history[3].tokens + 5
    const fitted = fitContext(system, history, current, budget)
    expect(fitted.messages.map((m) => m.content)).toEqual(['You are helpful.', 'recent question', 'recent answer', 'now'])
    expect(fitted.dropped).toBe(2)
    expect(fitted.tokens).toBeLessThanOrEqual(budget)
  })

  it('drops a tool call together with its results, never leaving an orphan tool message', () => {
    const history: CountedMessage[] = [user('q1'), toolCall('c1'), toolResult('c1'), assistant('a1'), user('q2'), assistant('a2')]
    const keepLastTwo = system.tokens + history[4].tokens + history[5].tokens + history[3].tokens + 3
    const fitted = fitContext(system, history, [user('q3')], keepLastTwo)
    expect(fitted.messages.some((m) => m.role === 'tool')).toBe(false)
    expect(fitted.messages.some((m) => m.tool_calls)).toBe(false)
    // An orphan tool result at the start of stored history is never sent either.
    expect(fitContext(system, [toolResult('x'), user('q')], [user('n')], 1000).messages.map((m) => m.role)).toEqual(['system', 'user', 'user'])
  })

  it('reserves tokens for the tool definitions', () => {
    const history = [user('one'), assistant('two')]
    const exact = system.tokens + history[0].tokens + history[1].tokens + 10
    expect(fitContext(system, history, [withCount({ role: 'user', content: 'x' })], exact + 10).dropped).toBe(0)
    expect(fitContext(system, history, [withCount({ role: 'user', content: 'x' })], exact + 10, 30).dropped).toBe(2)
  })
})
