import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config/load.js'
import { type LoadFlags, resolvePlan } from '../../src/load/plan.js'

// The capacity recipe, copied as written from the README and harness/LOAD.md, must be a plan
// agentctl accepts (issue 16: the old recipe's flags made its first step drop sends). The search
// itself runs in bench/capacity.mjs and was run by hand as written (see harness/LOAD.md).
const root = join(import.meta.dirname, '..', '..')
const BOOLEAN = new Set(['self', 'find-capacity', 'stream'])
const MULTIPLE = new Set(['slo', 'o', 'header'])

/** The first `agentctl load --self … --find-capacity …` command of a Markdown file, as flags. */
function recipe(file: string): LoadFlags {
  const text = readFileSync(join(root, file), 'utf8')
  const command = /^agentctl load --self --mock-llm[^\n]*/m.exec(text.replace(/\\\n/g, ' '))![0]
  const words = [...command.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]!).slice(2)
  const flags: Record<string, unknown> = {}
  for (let i = 0; i < words.length; i++) {
    const name = words[i]!.replace(/^-+/, '')
    if (BOOLEAN.has(name)) flags[name] = true
    else if (MULTIPLE.has(name)) flags[name] = [...((flags[name] as string[]) ?? []), words[++i]!]
    else flags[name] = /^-?\d+(\.\d+)?$/.test(words[i + 1]!) ? Number(words[++i]) : words[++i]
  }
  delete flags.o
  return flags as LoadFlags
}

describe('the capacity recipe, as written', () => {
  it.each(['README.md', 'harness/LOAD.md'])('%s: the adaptive search with its SLOs, target and headroom is accepted', (file) => {
    const flags = recipe(file)
    expect(flags).toMatchObject({ self: true, 'find-capacity': true, 'mock-llm': 'latency=800ms..2s' })
    const plan = resolvePlan(flags, loadConfig({ cwd: root, env: {} }).config)
    expect(plan.capacity).toMatchObject({ search: 'adaptive', budgetMs: 165_000 })
    expect(plan.slos.map((s) => s.expression)).toEqual(['p95<5s', 'error_rate<1%'])
    expect(plan.targetRps).toBe(120)
  })
})
