import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { renderReport } from '../reports/index.js'
import { allSampleReports, makeReport } from '../test/support/report-samples.js'
import { shippedReportValidator } from '../test/support/report-validator.js'
import { packageRoot } from './paths.js'
import { parseReport, reportJsonSchema, shippedSchemaFiles } from './report-schema.js'

const samples = allSampleReports()


describe('shipped JSON Schemas', () => {
  it.each(Object.entries(shippedSchemaFiles()))('schemas/%s matches what `npm run schemas` generates (no drift)', (name, generated) => {
    const shipped = readFileSync(`${packageRoot()}/schemas/${name}`, 'utf8')
    // On failure: run `npm run schemas` and commit the result.
    expect(shipped).toBe(generated)
  })

  it('carries an $id and title', () => {
    expect(reportJsonSchema()).toMatchObject({ $id: 'https://agentctl.dev/schemas/report.schema.json', title: 'agentctl report' })
  })
})

describe('Report schema', () => {
  const validate = shippedReportValidator()

  it.each(Object.entries(samples))('sample report "%s" validates (zod and the shipped JSON Schema)', (_name, report) => {
    expect(parseReport(report)).toMatchObject({ ok: true })
    expect(validate(report), JSON.stringify(validate.errors)).toBe(true)
  })

  it.each(Object.entries(samples))('renderReport(%s, "json") output validates', (_name, report) => {
    const parsed = JSON.parse(renderReport(report, 'json'))
    expect(parseReport(parsed)).toMatchObject({ ok: true })
    expect(validate(parsed), JSON.stringify(validate.errors)).toBe(true)
    expect(parsed).toEqual(report)
  })

  it('names the path of the first problem', () => {
    const bad = makeReport()
    ;(bad.findings[0] as unknown as Record<string, unknown>).status = 'flaky'
    const result = parseReport(bad)
    expect(result.ok).toBe(false)
    if (!result.ok) expect(result.problem).toMatch(/^findings\[0\]\.status: /)
    expect(validate(bad)).toBe(false)
  })

  it('rejects things that are not reports', () => {
    for (const value of [null, [], 'report', { schemaVersion: '2.0' }]) expect(parseReport(value).ok).toBe(false)
    expect(parseReport({ ...makeReport(), score: 140 })).toMatchObject({ ok: false, problem: expect.stringMatching(/^score/) })
    expect(parseReport({ ...makeReport(), startedAt: 'yesterday' })).toMatchObject({ ok: false })
  })
})
