import type { Finding, Status } from '../report.js'

/**
 * What changed between two runs of `diagnose --watch`: status transitions per finding, plus findings
 * that appeared or disappeared. (Engine logic, no I/O; lives with the probes because watch mode is
 * the connectivity view's main consumer.)
 */
export interface StatusChange {
  key: string
  checkId: string
  title: string
  from?: Status
  to?: Status
  message: string
}

const keyOf = (f: Finding) => `${f.checkId}::${f.title}`

export function diffFindings(previous: readonly Finding[], current: readonly Finding[]): StatusChange[] {
  const before = new Map(previous.map((f) => [keyOf(f), f]))
  const after = new Map(current.map((f) => [keyOf(f), f]))
  const changes: StatusChange[] = []
  for (const [key, f] of after) {
    const old = before.get(key)
    if (!old || old.status !== f.status) changes.push({ key, checkId: f.checkId, title: f.title, ...(old ? { from: old.status } : {}), to: f.status, message: f.message })
  }
  for (const [key, f] of before) if (!after.has(key)) changes.push({ key, checkId: f.checkId, title: f.title, from: f.status, message: 'no longer reported' })
  return changes
}

/** One line per change, e.g. "redis  pass → fail  connection refused at 127.0.0.1:6379 — …". */
export function formatChanges(changes: readonly StatusChange[], at: Date = new Date()): string {
  const stamp = at.toISOString().slice(11, 19)
  if (changes.length === 0) return `[${stamp}] no status changes`
  const width = Math.max(...changes.map((c) => c.title.length))
  return [
    `[${stamp}] ${changes.length} change${changes.length === 1 ? '' : 's'}:`,
    ...changes.map((c) => `  ${c.title.padEnd(width)}  ${(c.from ?? 'new').padStart(5)} → ${(c.to ?? 'gone').padEnd(5)}  ${c.message}`),
  ].join('\n')
}
