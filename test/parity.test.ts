import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
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

/** Every check README has the same shape, so a reader finds the same answer in the same place. */
const README_HEADINGS = ['What it proves', 'How it judges', 'Evidence', 'Remediation', 'Options']

describe('check READMEs', () => {
  it.each(catalogue.map((c) => c.id))('checks/%s/README.md has the fixed headings, in order, and names every option the check declares', (id) => {
    const text = readFileSync(join(root, id, 'README.md'), 'utf8')
    const headings = [...text.matchAll(/^## (.+)$/gm)].map((m) => m[1]!.trim())
    expect(headings).toEqual(README_HEADINGS)
    const options = text.slice(text.indexOf('## Options'))
    const check = catalogue.find((c) => c.id === id)!
    for (const key of Object.keys(check.options?.shape ?? {})) expect(options, `option ${key}`).toContain(`\`${key}\``)
  })
})
