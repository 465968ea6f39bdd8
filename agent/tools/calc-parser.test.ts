import { describe, expect, it } from 'vitest'
import { CalcError, evaluate } from './calc-parser.js'

describe('calculator parser', () => {
  it.each([
    ['1 + 2 * 3', 7],
    ['(1 + 2) * 3', 9],
    ['10 - 4 - 3', 3],
    ['100 / 10 / 5', 2],
    ['-2 ^ 2', -4],
    ['(-2) ^ 2', 4],
    ['2 ^ 3 ^ 2', 512],
    ['2 ^ -1', 0.5],
    ['--3', 3],
    ['-(4 - 6) * 2', 4],
    ['7 % 4', 3],
    ['0.1 + 0.2', 0.3],
    ['.5 * 4', 2],
    ['1.5e3 + 1', 1501],
    ['sqrt(16) + abs(-3)', 7],
    ['round(2.345, 2)', 2.35],
    ['min(3, 1, 2) + max(3, 1, 2)', 4],
    ['log(1000)', 3],
    ['ln(e)', 1],
    ['round(pi, 4)', 3.1416],
    ['  42  ', 42],
  ])('%s = %s', (expression, expected) => {
    expect(evaluate(expression)).toBe(expected)
  })

  it.each([
    ['1 / 0', /division by zero/],
    ['5 % 0', /division by zero/],
    ['1 / (2 - 2)', /division by zero/],
    // Never evaluated as code: rejected by the tokenizer or the parser, whichever sees it first.
    ['process.exit()', /unexpected character "\." at position 8/],
    ['process', /unknown name "process"/],
    ['exit()', /unknown name "exit"/],
    ['constructor.constructor("return process")()', /unexpected character/],
    ['require("fs")', /unexpected character """/],
    ['this', /unknown name "this"/],
    ['1; 2', /unexpected character ";"/],
    ['2 ^ 100000', /out of range/],
    ['10 ^ 999 * 10 ^ 999', /not a finite number/],
    ['(1 + 2', /expected "\)"/],
    ['1 +', /unexpected end/],
    ['1 2', /unexpected "2"/],
    ['', /empty expression/],
    ['sqrt(-1)', /negative/],
    ['sqrt(1, 2)', /takes 1 argument/],
    ['round(1.5, 0.5)', /digits/],
    ['x + 1', /unknown name "x"/],
  ])('rejects %s', (expression, message) => {
    expect(() => evaluate(expression)).toThrow(CalcError)
    expect(() => evaluate(expression)).toThrow(message)
  })

  it('bounds input length and nesting depth', () => {
    expect(() => evaluate('1+'.repeat(300) + '1')).toThrow(/longer than 500/)
    expect(() => evaluate('('.repeat(200) + '1' + ')'.repeat(200))).toThrow(/nested deeper/)
    expect(() => evaluate('-'.repeat(200) + '1')).toThrow(/nested deeper/)
  })
})
