/**
 * The direction of imports (docs/ARCHITECTURE.md "Direction of imports"):
 * commands → (checks, harness, reports, agent) → src. Every relative import (static, dynamic or
 * re-export) of every TypeScript file in the layers is resolved to its top-level folder and
 * judged against the rules below; a violation names the file, the import and the rule.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { describe, expect, it } from 'vitest'

const ROOT = join(import.meta.dirname, '..')
const LAYERS = ['src', 'checks', 'reports', 'harness', 'agent', 'commands'] as const
type Layer = (typeof LAYERS)[number]

/** What each layer must not import, and why. */
const FORBIDDEN: Record<Layer, Partial<Record<Layer, string>>> = {
  src: {
    agent: 'the engine judges agents from the outside; shared names belong in src/contracts',
    commands: 'nothing imports the CLI layer',
    harness: 'the engine does not depend on the harness (mock LLM, load driver, launchers)',
    checks: 'the engine does not know the catalogue',
    reports: 'the engine does not know the renderers',
  },
  checks: {
    agent: 'a check judges an agent from the outside, never from its internals',
    commands: 'nothing imports the CLI layer',
    reports: 'checks produce findings; rendering is the reports layer',
  },
  reports: {
    agent: 'renderers read only the Report',
    commands: 'nothing imports the CLI layer',
    checks: 'renderers read only the Report',
    harness: 'renderers read only the Report',
  },
  harness: {
    commands: 'nothing imports the CLI layer',
    checks: 'the harness serves the jobs; the jobs (commands/_jobs) call the catalogue',
  },
  agent: {
    commands: 'nothing imports the CLI layer',
    checks: 'the agent is a system under test; it does not know the checks',
    reports: 'the agent is a system under test; it does not know the renderers',
    harness: 'the agent is a system under test; the harness starts it, not the other way round',
  },
  commands: {},
}

/** What agent/ may take from src/: shared contracts and utilities only. */
const AGENT_MAY_USE = ['src/contracts/', 'src/redact.ts', 'src/pricing.ts', 'src/exit-codes.ts', 'src/load/safety.ts', 'src/duration.ts', 'src/paths.ts', 'src/sleep.ts']

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !e.name.endsWith('.d.ts'))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)))
}

const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"](\.{1,2}\/[^'"]+)['"]/g

export function importsOf(file: string, text = readFileSync(join(ROOT, file), 'utf8')): string[] {
  return [...text.matchAll(IMPORT)].map((m) => relative(ROOT, resolve(ROOT, dirname(file), m[1]!)).split(sep).join('/').replace(/\.js$/, '.ts'))
}

export function violations(file: string, imports: string[]): string[] {
  const layer = file.split('/')[0] as Layer
  const out: string[] = []
  for (const target of imports) {
    const targetLayer = target.split('/')[0] as Layer
    const why = FORBIDDEN[layer]?.[targetLayer]
    if (why) out.push(`${file} imports ${target}: ${layer}/ must not import ${targetLayer}/ (${why})`)
    else if (layer === 'agent' && targetLayer === 'src' && !AGENT_MAY_USE.some((ok) => target.startsWith(ok)))
      out.push(`${file} imports ${target}: agent/ takes from src/ only shared contracts and utilities (${AGENT_MAY_USE.join(', ')})`)
  }
  return out
}

describe('the direction of imports', () => {
  it('finds the imports it judges (static, dynamic, re-export)', () => {
    expect(importsOf('checks/x/check.ts', "import { a } from '../../agent/server.js'\nconst m = await import('../../commands/demo.js')\nexport * from '../../src/report.js'")).toEqual([
      'agent/server.ts',
      'commands/demo.ts',
      'src/report.ts',
    ])
  })

  it('names a forbidden import with its rule', () => {
    expect(violations('src/load/inputs.ts', ['harness/mock-llm/catalogue.ts'])).toEqual([
      expect.stringContaining('src/ must not import harness/'),
    ])
    expect(violations('checks/metrics/check.ts', ['agent/metric-names.ts'])).toHaveLength(1)
    expect(violations('reports/html.ts', ['commands/_shared/base.ts'])).toHaveLength(1)
    expect(violations('agent/server.ts', ['src/runner.ts'])).toHaveLength(1)
    expect(violations('agent/server.ts', ['src/contracts/metric-names.ts'])).toEqual([])
    expect(violations('commands/demo.ts', ['agent/server.ts', 'checks/index.ts'])).toEqual([])
  })

  it.each(LAYERS.filter((l) => l !== 'commands'))('%s/ imports nothing it must not', (layer) => {
    const found = sourceFiles(layer).flatMap((file) => violations(file, importsOf(file)))
    expect(found).toEqual([])
  })
})
