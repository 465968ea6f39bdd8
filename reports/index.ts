// Placeholder signatures; the renderers land in this folder (issue 2).
import type { Report } from '../src/report.js'
import { AgentctlError } from '../src/exit-codes.js'
export type Format = 'table' | 'json' | 'html' | 'junit' | 'markdown'
export function formatFromPath(file: string): Format {
  const ext = file.slice(file.lastIndexOf('.')).toLowerCase()
  const format = ({ '.json': 'json', '.html': 'html', '.htm': 'html', '.xml': 'junit', '.md': 'markdown' } as const)[ext]
  if (!format) throw new AgentctlError(`cannot tell the report format of "${file}"`, 2, 'use one of the extensions .json .html .xml .md')
  return format
}
export function renderReport(report: Report, _format: Format): string {
  return JSON.stringify(report, null, 2)
}
