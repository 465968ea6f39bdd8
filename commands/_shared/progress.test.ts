import { describe, expect, it } from 'vitest'
import { resetSecrets, registerSecret } from '../../src/redact.js'
import { colorEnabled, createProgress, progressEnabled } from './progress.js'

function fakeStream(isTTY: boolean, columns = 40) {
  const writes: string[] = []
  return { writes, stream: { isTTY, columns, write: (s: string) => (writes.push(s), true) } as unknown as NodeJS.WriteStream }
}

describe('progress', () => {
  it('rewrites one line in place, cut to the terminal width, and clears it when done', () => {
    const { writes, stream } = fakeStream(true, 30)
    const progress = createProgress({ enabled: true, stream })
    progress.line('validate: 3/12 done\nwaiting on redis, postgres, nats, llm-timeout')
    progress.done()
    expect(writes[0]!.startsWith('\r\u001b[2K')).toBe(true)
    expect(writes[0]!.length).toBeLessThanOrEqual('\r\u001b[2K'.length + 29)
    expect(writes[0]).not.toContain('\n')
    expect(writes[1]).toBe('\r\u001b[2K')
  })

  it('writes nothing when disabled', () => {
    const { writes, stream } = fakeStream(true)
    const progress = createProgress({ enabled: false, stream })
    progress.line('x')
    progress.done()
    expect(writes).toEqual([])
  })

  it('redacts what it prints', () => {
    registerSecret('sekret-value-123')
    const { writes, stream } = fakeStream(true, 200)
    createProgress({ enabled: true, stream }).line('probing redis://:sekret-value-123@cache:6379')
    expect(writes.join('')).not.toContain('sekret-value-123')
    resetSecrets()
  })

  it('is on only for a TTY, outside CI, without --json', () => {
    const tty = fakeStream(true).stream
    expect(progressEnabled({ stream: tty, env: {} })).toBe(true)
    expect(progressEnabled({ stream: tty, env: { CI: 'true' } })).toBe(false)
    expect(progressEnabled({ stream: tty, env: {}, json: true })).toBe(false)
    expect(progressEnabled({ stream: fakeStream(false).stream, env: {} })).toBe(false)
  })
})

describe('colorEnabled', () => {
  const tty = fakeStream(true).stream
  const pipe = fakeStream(false).stream
  it('follows the TTY by default', () => {
    expect(colorEnabled({ stream: tty, env: {} })).toBe(true)
    expect(colorEnabled({ stream: pipe, env: {} })).toBe(false)
  })
  it('is off with NO_COLOR or --no-color, even when FORCE_COLOR is set', () => {
    expect(colorEnabled({ stream: tty, env: { NO_COLOR: '1' } })).toBe(false)
    expect(colorEnabled({ stream: tty, env: {}, noColorFlag: true })).toBe(false)
    expect(colorEnabled({ stream: pipe, env: { NO_COLOR: '1', FORCE_COLOR: '1' } })).toBe(false)
  })
  it('is on with FORCE_COLOR on a pipe', () => {
    expect(colorEnabled({ stream: pipe, env: { FORCE_COLOR: '1' } })).toBe(true)
    expect(colorEnabled({ stream: pipe, env: { FORCE_COLOR: '0' } })).toBe(false)
  })
})
