import { join } from 'node:path'
import type { Check } from '../../src/check.js'
import { ConfigSchema } from '../../src/config/schema.js'
import type { Finding } from '../../src/report.js'
import { runChecks } from '../../src/runner.js'

export const ROOT = join(import.meta.dirname, '..', '..')

/** Runs one manifest check over globs (relative to the package root); findings keyed by workload or title. */
export async function lintManifests(check: Check, manifests: string[]): Promise<{ findings: Finding[]; byWorkload: Record<string, Finding> }> {
  const config = ConfigSchema.parse({ validate: { manifests } })
  const findings = await runChecks([check], { mode: 'validate', config, timeoutMs: 10_000, options: { configFile: join(ROOT, 'agentctl.yaml') } })
  const byWorkload = Object.fromEntries(findings.map((f) => [String(f.evidence.workload ?? f.title), f]))
  return { findings, byWorkload }
}

/** Workload name (after the slash) → status, for compact assertions. */
export function statuses(findings: Finding[]): Record<string, string> {
  return Object.fromEntries(findings.filter((f) => f.evidence.workload).map((f) => [String(f.evidence.workload).split('/')[1], f.status]))
}
