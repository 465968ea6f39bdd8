import { z } from 'zod'
import { CalcError, evaluate, MAX_EXPRESSION_LENGTH } from './calc-parser.js'
import { ToolError, type ToolSpec } from './types.js'

const schema = z.strictObject({
  expression: z.string().min(1).max(MAX_EXPRESSION_LENGTH).describe('Arithmetic expression, e.g. "(1200 * 0.15) / 12" or "sqrt(2) ^ 2"'),
})

export const calculatorTool: ToolSpec<typeof schema> = {
  name: 'calculator',
  description:
    'Evaluate an arithmetic expression exactly instead of computing in your head. Supports + - * / % ^, parentheses, unary minus, decimals, scientific notation, constants pi and e, and sqrt, abs, round(x[, digits]), min, max, log (base 10), ln.',
  schema,
  async run({ expression }) {
    try {
      return { expression, result: evaluate(expression) }
    } catch (err) {
      if (err instanceof CalcError) throw new ToolError(err.message)
      throw err
    }
  },
}
