import { readFileSync } from 'node:fs'
import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import { packageRoot } from '../../src/paths.js'

/** The shipped JSON Schema (schemas/report.schema.json) as users' tools apply it: strict about extra fields. */
export function shippedReportValidator() {
  const ajv = new Ajv2020({ allErrors: true, strict: false })
  ;(addFormats as unknown as (a: Ajv2020) => void)(ajv)
  const schema = JSON.parse(readFileSync(`${packageRoot()}/schemas/report.schema.json`, 'utf8'))
  return ajv.compile(schema)
}
