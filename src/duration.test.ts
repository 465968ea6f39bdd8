import { describe, expect, it } from 'vitest'
import { loadConfig } from './config/load.js'
import { durationProblem, parseDuration, parseDurationRange } from './duration.js'
import { AgentctlError } from './exit-codes.js'

describe('the duration grammar (one for every flag and config key)', () => {
  it.each([
    ['250ms', 250],
    ['5s', 5000],
    ['1.5s', 1500],
    ['2m', 120_000],
    ['1h', 3_600_000],
    [' 5s ', 5000],
    ['0', 0],
  ])('%s is %i ms', (text, ms) => expect(parseDuration(text)).toBe(ms))

  it.each([
    ['5', 'did you mean 5s?'],
    ['30', 'did you mean 30s?'],
    ['1.5', 'did you mean 1.5s?'],
    ['5000', 'did you mean 5000ms or 5000s?'],
  ])('a bare %s is refused with exit 2 and the fix "%s"', (text, fix) => {
    const error = catchError(() => parseDuration(text, '--timeout'))
    expect(error.message).toBe(`invalid --timeout "${text}": a duration needs a unit`)
    expect(error.hint).toContain(fix)
    expect(error.exitCode).toBe(2)
  })

  it.each(['5 s', '5sec', '-5s', '5S', 'soon', ''])('"%s" is not a duration', (text) => {
    expect(durationProblem(text)?.problem).toBe('not a duration')
    expect(() => parseDuration(text, '--window')).toThrow(/invalid --window/)
  })

  it('ranges use the same grammar on both sides', () => {
    expect(parseDurationRange('800ms..2s')).toEqual([800, 2000])
    expect(catchError(() => parseDurationRange('800..2s', '--latency')).hint).toContain('did you mean 800ms or 800s?')
  })

  it.each([
    ['diagnose', 'timeout', '5', 'did you mean 5s?'],
    ['diagnose', 'window', '15', 'did you mean 15s?'],
    ['validate', 'maxRecovery', '60', 'did you mean 60s?'],
    ['load', 'maxDuration', '600', 'did you mean 600ms or 600s?'],
  ])('config key %s.%s: %s (a YAML number) names the key and the fix', (section, key, value, fix) => {
    // YAML reads a bare 5 as a number: the message must still say what to write.
    const error = catchError(() => loadConfig({ overrides: { [`${section}.${key}`]: Number(value) }, env: {}, cwd: '/nonexistent' }))
    expect(error.message).toContain(`${section}.${key}: "${value}": a duration needs a unit; ${fix}`)
    expect(error.exitCode).toBe(2)
  })

  it('a config duration with a unit is accepted', () => {
    expect(loadConfig({ overrides: { 'diagnose.timeout': '2s' }, env: {}, cwd: '/nonexistent' }).config.diagnose.timeout).toBe('2s')
  })
})

function catchError(fn: () => unknown): AgentctlError {
  try {
    fn()
  } catch (error) {
    if (error instanceof AgentctlError) return error
    throw error
  }
  throw new Error('expected an AgentctlError')
}

describe('parsePositiveDuration', () => {
  it('accepts a positive duration and refuses 0 with exit 2 naming what', async () => {
    const { parsePositiveDuration } = await import('./duration.js')
    expect(parsePositiveDuration('250ms', '--timeout')).toBe(250)
    for (const zero of ['0', '0s', '0ms']) expect(() => parsePositiveDuration(zero, '--timeout')).toThrow(expect.objectContaining({ exitCode: 2, message: `invalid --timeout "${zero}": must be longer than 0` }))
  })
})
