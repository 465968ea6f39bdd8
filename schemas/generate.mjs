#!/usr/bin/env node
// Regenerates the shipped JSON Schemas from the zod sources (src/report-schema.ts,
// src/config/schema.ts). Run with `npm run schemas` (it builds first); a drift test fails when
// the files here differ from what this would write.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = fileURLToPath(new URL('.', import.meta.url))
const { shippedSchemaFiles } = await import('../dist/src/report-schema.js')
for (const [name, text] of Object.entries(shippedSchemaFiles())) {
  writeFileSync(join(here, name), text)
  console.log(`wrote schemas/${name}`)
}
