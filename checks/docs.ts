/**
 * What a check says about itself outside a run: its catalogue entry and its README. Read by the
 * SARIF output (rule help) and by `agentctl checks`. The READMEs ship with the package
 * (package.json "files": checks/*\/README.md).
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Check, CheckDoc } from '../src/check.js'
import { packageRoot } from '../src/paths.js'
import { catalogue } from './index.js'

export function checkReadme(id: string): string | undefined {
  try {
    return readFileSync(join(packageRoot(), 'checks', id, 'README.md'), 'utf8')
  } catch {
    return undefined
  }
}

/** Catalogue line and README of every check in the catalogue, by id. */
export function checkDocs(checks: readonly Check[] = catalogue): Record<string, CheckDoc> {
  return Object.fromEntries(checks.map((c) => [c.id, { title: c.title, description: c.description, readme: checkReadme(c.id) }]))
}
