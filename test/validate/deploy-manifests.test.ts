/** The shipped deploy/ manifests must pass every manifest check: we lint what we ship. */
import { describe, expect, it } from 'vitest'
import { validateCatalogue } from '../../checks/catalogue-validate.js'
import { lintManifests } from './manifest-helpers.js'

const manifestChecks = validateCatalogue.filter((c) => c.id.startsWith('manifest-'))

describe('deploy/ manifests', () => {
  it.each(manifestChecks.map((c) => [c.id, c] as const))('%s passes on deploy/*.yaml', async (_id, check) => {
    const { findings } = await lintManifests(check, ['deploy/*.yaml'])
    const summary = findings.map((f) => `${f.title}: ${f.status}: ${f.message}`).join('\n')
    expect(findings.length, summary).toBeGreaterThan(0)
    for (const f of findings) expect(f.status, summary).toBe('pass')
  })
})
