/** The JSON report: the Report value itself, validated by schemas/report.schema.json. */
import type { Report } from '../src/report.js'

export function renderJson(report: Report): string {
  return JSON.stringify(report, null, 2) + '\n'
}
