/**
 * The README's structure and its config reference cannot drift from the code: the sections come
 * in the order the newcomer needs them, the config block is a valid agentctl.yaml, names every
 * key of the schema, and shows each key's real default. (The check catalogue has its own test.)
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { ConfigSchema, configJsonSchema } from '../../src/config/schema.js'

const ROOT = join(import.meta.dirname, '..', '..')
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')

interface JsonSchemaNode {
  properties?: Record<string, JsonSchemaNode>
  default?: unknown
  anyOf?: JsonSchemaNode[]
}

function schemaKeys(node: JsonSchemaNode, prefix = ''): Array<{ path: string; default?: unknown }> {
  const props = node.properties ?? node.anyOf?.find((n) => n.properties)?.properties ?? {}
  return Object.entries(props).flatMap(([key, child]) => {
    const path = prefix + key
    if (key === '$schema') return []
    return [{ path, default: child.default }, ...schemaKeys(child, `${path}.`)]
  })
}

function get(object: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), object)
}

function configReference(): unknown {
  const section = readme.slice(readme.indexOf('## Config reference'))
  const block = /```yaml\n([\s\S]*?)```/.exec(section)
  if (!block) throw new Error('README: no ```yaml block under "## Config reference"')
  return parse(block[1]!)
}

describe('README', () => {
  it('keeps its sections in order: commands, what it is, the three recipes, reference, catalogue, harness, agent, architecture', () => {
    const headings = [
      '## What agentctl is',
      '### The CI gate',
      '### The on-call runbook',
      '### Capacity planning',
      '## Config reference',
      '## Exit codes',
      '## Check catalogue',
      '## The harness for your own tests',
      '## The reference agent',
      '## Architecture',
    ]
    const positions = headings.map((h) => readme.indexOf(h))
    expect(positions.every((p) => p > 0), `missing: ${headings.filter((_, i) => positions[i]! < 0).join(', ')}`).toBe(true)
    expect([...positions].sort((a, b) => a - b)).toEqual(positions)
    expect(readme.indexOf('npm ci && npm run demo')).toBeLessThan(positions[0]!)
  })

  it('shows the report screenshot, and every local link points at a file that exists', () => {
    expect(readme).toMatch(/!\[[^\]]+\]\(docs\/report\.png\)/)
    const links = [...readme.matchAll(/\]\(((?!https?:|#)[^)\s]+)\)/g)].map((m) => m[1]!)
    const missing = links.filter((link) => !existsSync(join(ROOT, link)))
    expect(missing).toEqual([])
  })

  it('config reference is a valid agentctl.yaml naming every schema key with its default', () => {
    const reference = configReference()
    const parsed = ConfigSchema.safeParse(reference)
    expect(parsed.error?.issues ?? []).toEqual([])
    const keys = schemaKeys(configJsonSchema() as JsonSchemaNode)
    const missing = keys.filter((k) => get(reference, k.path) === undefined).map((k) => k.path)
    expect(missing).toEqual([])
    // Object defaults ({} for a section) are implied by the section's own keys.
    const wrongDefaults = keys
      .filter((k) => k.default !== undefined && (typeof k.default !== 'object' || Array.isArray(k.default)))
      .filter((k) => JSON.stringify(get(reference, k.path)) !== JSON.stringify(k.default))
      .map((k) => `${k.path}: README ${JSON.stringify(get(reference, k.path))}, schema ${JSON.stringify(k.default)}`)
    expect(wrongDefaults).toEqual([])
  })
})
