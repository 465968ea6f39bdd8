/**
 * The renderers: pure functions of one Report value (no I/O). Commands pick a format from an
 * output file's extension and write the string; `table` is the terminal view.
 */
import { AgentctlError, ExitCode } from '../src/exit-codes.js'
import { redactDeep } from '../src/redact.js'
import type { Report } from '../src/report.js'
import type { RenderOptions } from './format.js'
import { renderHtml } from './html.js'
import { renderJson } from './json.js'
import { renderJunit } from './junit.js'
import { renderMarkdown } from './markdown.js'
import { renderSarif } from './sarif.js'
import { renderTable } from './table.js'

export type Format = 'table' | 'json' | 'html' | 'junit' | 'markdown' | 'sarif'
/** The formats a file (or `-o -` with --format) can take. */
export const FILE_FORMATS = ['json', 'html', 'junit', 'markdown', 'sarif'] as const
export type { RenderOptions } from './format.js'

const EXTENSIONS: Record<string, Exclude<Format, 'table'>> = { '.json': 'json', '.html': 'html', '.htm': 'html', '.xml': 'junit', '.md': 'markdown', '.sarif': 'sarif' }

export function formatFromPath(file: string): Format {
  const dot = file.lastIndexOf('.')
  const format = dot >= 0 ? EXTENSIONS[file.slice(dot).toLowerCase()] : undefined
  if (!format) throw new AgentctlError(`cannot tell the report format of "${file}"`, ExitCode.UsageOrInternal, 'use one of the extensions .json .html .xml (JUnit) .md .sarif, or -o - --format <format> for stdout')
  return format
}

/**
 * Renders a report. It redacts first, whatever the caller did: a renderer is the last step before
 * bytes leave the process, so no output path can forget it (and redacting twice is harmless).
 */
export function renderReport(input: Report, format: Format, options: RenderOptions = {}): string {
  const report = redactDeep(input)
  switch (format) {
    case 'table':
      return renderTable(report, options)
    case 'json':
      return renderJson(report)
    case 'html':
      return renderHtml(report)
    case 'junit':
      return renderJunit(report)
    case 'markdown':
      return renderMarkdown(report)
    case 'sarif':
      return renderSarif(report, options.checkDocs, options.sarifTargetLocation)
    default:
      throw new AgentctlError(`unknown report format "${String(format)}"`, ExitCode.UsageOrInternal, 'use table, json, html, junit, markdown or sarif')
  }
}
