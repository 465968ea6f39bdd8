import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { catalogue } from '../checks/index.js'
import { withCatalogue } from '../checks/catalogue-markdown.js'

const readme = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8')

describe('README', () => {
  it('opens with the install-and-run and the test commands', () => {
    const firstBlock = readme.slice(0, readme.indexOf('```', readme.indexOf('```') + 3))
    expect(firstBlock).toMatch(/npm ci/)
    expect(firstBlock).toMatch(/npm test/)
  })

  it('check catalogue matches the checks (run `npm run docs` after changing a check)', () => {
    expect(withCatalogue(readme, catalogue)).toBe(readme)
  })
})
