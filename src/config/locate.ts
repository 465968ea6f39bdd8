/**
 * A config file as written (before ${ENV} interpolation) and where each of its keys sits: the
 * SARIF location of a finding about a key (Finding.location in src/report.ts).
 */
import { readFileSync } from 'node:fs'
import { relative, sep } from 'node:path'
import { LineCounter, parseDocument } from 'yaml'
import type { FindingLocation } from '../report.js'

export interface ConfigSource {
  /** The file's values as written. */
  raw: unknown
  /** The key's location: the file relative to the working directory, the key's line when it is in the file. */
  locate(key: string): FindingLocation
}

export function readConfigSource(file: string, cwd = process.cwd()): ConfigSource | undefined {
  const lines = new LineCounter()
  let doc: ReturnType<typeof parseDocument>
  try {
    doc = parseDocument(readFileSync(file, 'utf8'), { lineCounter: lines })
  } catch {
    return undefined // the loader already parsed it; unreadable now means it changed under us
  }
  const shown = (relative(cwd, file) || file).split(sep).join('/')
  return {
    raw: doc.toJS(),
    locate(key) {
      const node = doc.getIn(key.split('.'), true) as { range?: number[] } | undefined
      const line = node?.range ? lines.linePos(node.range[0]!).line : undefined
      return { file: shown, key, ...(line ? { line } : {}) }
    },
  }
}
