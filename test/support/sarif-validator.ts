/**
 * The SARIF 2.1.0 JSON Schema as code-scanning services apply it. The schema file is the one the
 * npm package @microsoft/jest-sarif@1.0.0-beta.0 (MIT) ships as lib/schemas/sarif-2.1.0-rtm.5.json,
 * copied unchanged into test/support/sarif/ (OASIS SARIF 2.1.0, schemastore id sarif-2.1.0-rtm.5).
 * It is JSON Schema draft-04, hence ajv-draft-04. Its `language` pattern has a stray `]` that is
 * legal only outside unicode mode, so patterns compile as plain RegExp (unicodeRegExp: false).
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import Ajv04 from 'ajv-draft-04'
import addFormats from 'ajv-formats'

export function sarifValidator() {
  const ajv = new Ajv04({ allErrors: true, strict: false, unicodeRegExp: false })
  ;(addFormats as unknown as (a: Ajv04) => void)(ajv)
  const schema = JSON.parse(readFileSync(join(import.meta.dirname, 'sarif', 'sarif-2.1.0-rtm.5.json'), 'utf8'))
  return ajv.compile(schema)
}
