// Regenerates the README's check catalogue from the built checks' metadata (npm run docs).
import { readFileSync, writeFileSync } from 'node:fs'
import { catalogue } from '../dist/checks/index.js'
import { withCatalogue } from '../dist/checks/catalogue-markdown.js'

const file = new URL('../README.md', import.meta.url)
const before = readFileSync(file, 'utf8')
const after = withCatalogue(before, catalogue)
if (after !== before) writeFileSync(file, after)
console.log(after === before ? 'README catalogue up to date' : `README catalogue regenerated (${catalogue.length} checks)`)
