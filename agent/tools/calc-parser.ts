/**
 * A small recursive-descent evaluator for arithmetic. It never uses eval/Function: input is
 * tokenised, anything unexpected (identifiers that are not known functions, `.`, `;`, quotes …)
 * is a CalcError with its position. Bounds keep it cheap: input length, nesting depth, exponent.
 *
 *   expr    := term (('+' | '-') term)*
 *   term    := unary (('*' | '/' | '%') unary)*
 *   unary   := ('-' | '+') unary | power            -2^2 = -4, as in mathematics
 *   power   := primary ('^' unary)?                 right-associative: 2^3^2 = 2^9
 *   primary := number | constant | func '(' expr (',' expr)* ')' | '(' expr ')'
 */
export class CalcError extends Error {
  override name = 'CalcError'
}

export const MAX_EXPRESSION_LENGTH = 500
const MAX_DEPTH = 64
const MAX_EXPONENT = 1000

type Token = { kind: 'num'; value: number; pos: number } | { kind: 'id'; value: string; pos: number } | { kind: 'op'; value: string; pos: number }

const FUNCTIONS: Record<string, { arity: [number, number]; fn: (...a: number[]) => number }> = {
  sqrt: { arity: [1, 1], fn: (x) => (x < 0 ? fail('sqrt of a negative number') : Math.sqrt(x)) },
  abs: { arity: [1, 1], fn: Math.abs },
  round: { arity: [1, 2], fn: (x, digits = 0) => roundTo(x, digits) },
  min: { arity: [1, 50], fn: Math.min },
  max: { arity: [1, 50], fn: Math.max },
  log: { arity: [1, 1], fn: (x) => (x <= 0 ? fail('log of a non-positive number') : Math.log10(x)) },
  ln: { arity: [1, 1], fn: (x) => (x <= 0 ? fail('ln of a non-positive number') : Math.log(x)) },
}
const CONSTANTS: Record<string, number> = { pi: Math.PI, e: Math.E }

function fail(message: string): never {
  throw new CalcError(message)
}

function roundTo(x: number, digits: number): number {
  if (!Number.isInteger(digits) || digits < 0 || digits > 15) fail('round() digits must be an integer from 0 to 15')
  const f = 10 ** digits
  return Math.round(x * f) / f
}

function tokenize(input: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  while (i < input.length) {
    const c = input[i]!
    if (/\s/.test(c)) { i++; continue }
    const num = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(input.slice(i))
    if (num) {
      tokens.push({ kind: 'num', value: Number(num[0]), pos: i })
      i += num[0].length
      continue
    }
    const id = /^[A-Za-z_][A-Za-z0-9_]*/.exec(input.slice(i))
    if (id) {
      tokens.push({ kind: 'id', value: id[0].toLowerCase(), pos: i })
      i += id[0].length
      continue
    }
    if ('+-*/%^(),'.includes(c)) {
      tokens.push({ kind: 'op', value: c, pos: i })
      i++
      continue
    }
    fail(`unexpected character "${c}" at position ${i + 1}`)
  }
  return tokens
}

export function evaluate(expression: string): number {
  if (expression.length > MAX_EXPRESSION_LENGTH) fail(`expression longer than ${MAX_EXPRESSION_LENGTH} characters`)
  const tokens = tokenize(expression)
  if (tokens.length === 0) fail('empty expression')
  let at = 0
  let depth = 0
  const peek = () => tokens[at]
  const isOp = (value: string) => peek()?.kind === 'op' && peek()!.value === value
  const where = () => (peek() ? `at position ${peek()!.pos + 1}` : 'at the end')
  const expect = (value: string) => {
    if (!isOp(value)) fail(`expected "${value}" ${where()}`)
    at++
  }
  const nest = <T>(f: () => T): T => {
    if (++depth > MAX_DEPTH) fail(`expression nested deeper than ${MAX_DEPTH} levels`)
    try { return f() } finally { depth-- }
  }

  const expr = (): number => nest(() => {
    let left = term()
    while (isOp('+') || isOp('-')) left = tokens[at++]!.value === '+' ? left + term() : left - term()
    return left
  })
  const term = (): number => {
    let left = unary()
    while (isOp('*') || isOp('/') || isOp('%')) {
      const op = tokens[at++]!.value
      const right = unary()
      if ((op === '/' || op === '%') && right === 0) fail('division by zero')
      left = op === '*' ? left * right : op === '/' ? left / right : left % right
    }
    return left
  }
  const unary = (): number => nest(() => {
    if (isOp('-')) { at++; return -unary() }
    if (isOp('+')) { at++; return unary() }
    return power()
  })
  const power = (): number => {
    const base = primary()
    if (!isOp('^')) return base
    at++
    const exponent = unary()
    if (Math.abs(exponent) > MAX_EXPONENT) fail(`exponent ${exponent} is out of range (|exponent| <= ${MAX_EXPONENT})`)
    return base ** exponent
  }
  const primary = (): number => {
    const t = peek()
    if (!t) fail('unexpected end of expression')
    if (t.kind === 'num') { at++; return t.value }
    if (t.kind === 'op' && t.value === '(') {
      at++
      const v = expr()
      expect(')')
      return v
    }
    if (t.kind === 'id') {
      at++
      if (Object.hasOwn(CONSTANTS, t.value)) return CONSTANTS[t.value]!
      if (!Object.hasOwn(FUNCTIONS, t.value)) fail(`unknown name "${t.value}" at position ${t.pos + 1} (functions: ${Object.keys(FUNCTIONS).join(', ')}; constants: pi, e)`)
      const { arity, fn } = FUNCTIONS[t.value]!
      expect('(')
      const args = [expr()]
      while (isOp(',')) { at++; args.push(expr()) }
      expect(')')
      if (args.length < arity[0] || args.length > arity[1]) fail(`${t.value}() takes ${arity[0] === arity[1] ? arity[0] : `${arity[0]} to ${arity[1]}`} argument(s), got ${args.length}`)
      return fn(...args)
    }
    fail(`unexpected "${t.value}" ${where()}`)
  }

  const result = expr()
  if (at < tokens.length) fail(`unexpected "${String(tokens[at]!.value)}" at position ${tokens[at]!.pos + 1}`)
  if (!Number.isFinite(result)) fail('the result is not a finite number (overflow)')
  // 15 significant digits hide binary noise (0.1 + 0.2 -> 0.3) without losing real precision.
  return Number(result.toPrecision(15))
}
