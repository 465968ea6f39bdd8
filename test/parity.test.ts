import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { catalogue } from '../checks/index.js'

const root = join(import.meta.dirname, '..', 'checks')
const folders = readdirSync(root).filter((name) => statSync(join(root, name)).isDirectory())

describe('check catalogue parity', () => {
  it.each(folders)('checks/%s has check.ts, check.test.ts, README.md and is registered', (folder) => {
    for (const file of ['check.ts', 'check.test.ts', 'README.md']) expect(existsSync(join(root, folder, file)), `${folder}/${file}`).toBe(true)
    expect(catalogue.map((c) => c.id)).toContain(folder)
  })

  it('every registered check has a folder of its name, a kebab-case id and metadata', () => {
    const ids = catalogue.map((c) => c.id)
    expect(new Set(ids).size).toBe(ids.length)
    for (const check of catalogue) {
      expect(folders).toContain(check.id)
      expect(check.id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/)
      expect(check.title.length).toBeGreaterThan(3)
      expect(check.description.length).toBeGreaterThan(10)
      expect(check.appliesTo.length).toBeGreaterThan(0)
    }
  })
})
