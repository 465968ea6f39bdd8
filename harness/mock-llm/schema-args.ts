import type { JsonSchema } from './types.js'

/**
 * Builds arguments VALID against a tool's JSON-schema `parameters` (required fields, types,
 * enums, bounds), with sensible values for the reference agent's tools, so an agent's own
 * validation passes and the tool really runs.
 */
export function argumentsFor(toolName: string, schema: JsonSchema | undefined, message: string): Record<string, unknown> {
  const value = valueFor(schema ?? { type: 'object' }, { toolName, message, key: '' })
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {}
}

interface Hints {
  toolName: string
  message: string
  key: string
}

const EXPRESSION = /[(\d][\d\s.+\-*/%^()]*[\d)]/g

/** A real arithmetic expression from the message, so a calculator tool has something to compute. */
export function expressionIn(message: string): string {
  for (const candidate of message.match(EXPRESSION) ?? []) {
    const trimmed = candidate.trim()
    if (/[+\-*/%^]/.test(trimmed) && /\d/.test(trimmed)) return trimmed
  }
  return '2+2'
}

function primaryType(schema: JsonSchema): string | undefined {
  if (Array.isArray(schema.type)) return schema.type.find((t) => t !== 'null') ?? schema.type[0]
  if (schema.type) return schema.type
  if (schema.properties) return 'object'
  return undefined
}

function valueFor(schema: JsonSchema, hints: Hints): unknown {
  if (schema.const !== undefined) return schema.const
  if (schema.enum?.length) return schema.enum[0]
  const variant = schema.anyOf?.[0] ?? schema.oneOf?.[0]
  if (variant && !schema.type) return valueFor(variant, hints)
  if (schema.default !== undefined) return schema.default
  switch (primaryType(schema)) {
    case 'object': {
      const out: Record<string, unknown> = {}
      const properties = schema.properties ?? {}
      const required = new Set(schema.required ?? [])
      for (const [key, child] of Object.entries(properties)) {
        // Optional fields stay out unless the message gives a useful value: smaller, still valid.
        if (required.has(key) || smartString(key, hints) !== undefined) out[key] = valueFor(child, { ...hints, key })
      }
      return out
    }
    case 'array': {
      const count = Math.max(schema.minItems ?? 0, 1)
      return Array.from({ length: count }, () => valueFor(schema.items ?? { type: 'string' }, hints))
    }
    case 'integer':
    case 'number': {
      let n = schema.minimum ?? (hints.key.match(/limit|count|max|top|k$/i) ? 5 : 1)
      if (schema.maximum !== undefined && n > schema.maximum) n = schema.maximum
      return primaryType(schema) === 'integer' ? Math.ceil(n) : n
    }
    case 'boolean':
      return true
    case 'null':
      return null
    default:
      return fitLength(smartString(hints.key, hints) ?? stringFallback(schema, hints), schema)
  }
}

/** Values for the argument names agents commonly use. */
function smartString(key: string, hints: Hints): string | undefined {
  const k = key.toLowerCase()
  if (hints.toolName === 'calculator' || k === 'expression') return k === 'expression' || k === 'input' ? expressionIn(hints.message) : undefined
  if (k === 'sql' || (hints.toolName === 'sql_query' && k === 'query')) return 'SELECT 1 AS one'
  if (k === 'query' || k === 'q' || k === 'search') return keywords(hints.message)
  if (k === 'timezone' || k === 'tz') return 'UTC'
  if (k === 'url') return 'https://example.com/'
  return undefined
}

function stringFallback(schema: JsonSchema, hints: Hints): string {
  if (schema.format === 'date-time') return '2026-01-01T00:00:00Z'
  if (schema.format === 'date') return '2026-01-01'
  if (schema.format === 'uri' || schema.format === 'url') return 'https://example.com/'
  if (schema.format === 'email') return 'user@example.com'
  return keywords(hints.message) || 'example'
}

function keywords(message: string): string {
  return message.replace(/[^\p{L}\p{N}\s]/gu, ' ').split(/\s+/).filter((w) => w.length > 2).slice(0, 6).join(' ')
}

function fitLength(text: string, schema: JsonSchema): string {
  let out = text
  if (schema.maxLength !== undefined && out.length > schema.maxLength) out = out.slice(0, schema.maxLength)
  if (schema.minLength !== undefined && out.length < schema.minLength) out = out.padEnd(schema.minLength, 'x')
  return out
}
