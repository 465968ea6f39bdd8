import { readFileSync } from 'node:fs'
import { parse as parseYaml } from 'yaml'
import { z } from 'zod'
import type { ScriptFixture } from './types.js'

const reply = z.strictObject({
  content: z.string().optional(),
  tool_calls: z.array(z.strictObject({ name: z.string().min(1), arguments: z.union([z.record(z.string(), z.unknown()), z.string()]) })).optional(),
  finish_reason: z.enum(['stop', 'length', 'tool_calls', 'content_filter']).optional(),
})
const fixture = z.strictObject({ match: z.string().min(1), model: z.string().optional(), replies: z.array(reply).min(1) })
const file = z.union([z.array(fixture), z.strictObject({ scripts: z.array(fixture) })])

/** Loads script fixtures from YAML or JSON (a list, or {scripts: [...]}); errors name the path. */
export function loadScriptFixtures(path: string): ScriptFixture[] {
  let raw: unknown
  try {
    const text = readFileSync(path, 'utf8')
    raw = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text)
  } catch (error) {
    throw new Error(`cannot read scripts file ${path}: ${(error as Error).message}`)
  }
  const parsed = file.safeParse(raw)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    throw new Error(`invalid scripts file ${path}: ${issue.path.join('.') || '(root)'}: ${issue.message}`)
  }
  const list = Array.isArray(parsed.data) ? parsed.data : parsed.data.scripts
  for (const [i, s] of list.entries()) {
    try {
      new RegExp(s.match, 'i')
    } catch (error) {
      throw new Error(`invalid scripts file ${path}: ${i}.match: ${(error as Error).message}`)
    }
  }
  return list
}
