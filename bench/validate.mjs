/**
 * How long does `agentctl validate --self` take? The issue's bar: under 30 s on the reference agent.
 *
 *   npx tsc -p . && npx node bench/validate.mjs [--runs 3]
 *
 * Measures, through the real CLI (a child process, as CI runs it):
 *   - cold: a fresh data directory (the embedded PostgreSQL runs initdb first);
 *   - warm: the data directory reused, as on a CI cache or a developer machine (median of --runs);
 *   - baseline: `validate --self --only agentctl-config` on the warm directory: CLI start, the
 *     mock and the reference agent, no resilience check. full − baseline = the checks' own cost.
 * Prints figures and the ratio full/baseline. Figures taken on a shared machine are noisy.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const root = join(import.meta.dirname, '..')
const bin = join(root, 'bin', 'run.js')
const runsArg = process.argv.indexOf('--runs')
const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 3
const BUDGET_MS = 30_000
const work = mkdtempSync(join(tmpdir(), 'agentctl-bench-validate-'))
const dataDir = join(work, 'data')

function validate(extra) {
  const started = performance.now()
  const res = spawnSync(process.execPath, [bin, 'validate', '--self', '--json', '--data-dir', dataDir, ...extra], { cwd: work, encoding: 'utf8', env: { ...process.env, CI: 'true' }, maxBuffer: 64 * 1024 * 1024 })
  const wallMs = Math.round(performance.now() - started)
  let report
  try {
    report = JSON.parse(res.stdout)
  } catch {
    report = undefined
  }
  if (!Array.isArray(report?.findings)) {
    console.error(`validate ${extra.join(' ')} did not print a report (exit ${res.status}):\n${res.stdout.slice(0, 1000)}\n${res.stderr.slice(-2000)}`)
    process.exit(2)
  }
  const slowest = [...report.findings].sort((a, b) => b.durationMs - a.durationMs).slice(0, 3).map((f) => `${f.checkId} ${f.durationMs}ms`)
  return { wallMs, exit: res.status, verdict: report.verdict, checks: report.findings.length, slowest }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
try {
  const cold = validate([])
  console.log(`cold  (fresh data dir): ${cold.wallMs} ms, exit ${cold.exit}, verdict ${cold.verdict}, ${cold.checks} findings`)
  const warm = Array.from({ length: runs }, () => validate([]))
  for (const [i, w] of warm.entries()) console.log(`warm #${i + 1}: ${w.wallMs} ms, exit ${w.exit}, verdict ${w.verdict}; slowest: ${w.slowest.join(', ')}`)
  const baseline = Array.from({ length: Math.max(1, Math.min(runs, 2)) }, () => validate(['--only', 'agentctl-config']))
  const warmMs = median(warm.map((w) => w.wallMs))
  const baseMs = median(baseline.map((b) => b.wallMs))
  console.log(`\nvalidate --self (warm, median of ${runs}): ${warmMs} ms  [budget ${BUDGET_MS} ms: ${warmMs < BUDGET_MS ? 'within' : 'OVER'}]`)
  console.log(`baseline (stack + CLI only):           ${baseMs} ms`)
  console.log(`resilience + security checks:          ${warmMs - baseMs} ms  (ratio full/baseline ${(warmMs / baseMs).toFixed(2)}x)`)
  console.log(`cold start adds:                       ${cold.wallMs - warmMs} ms (initdb of the embedded PostgreSQL)`)
  if (warm.some((w) => w.verdict !== 'pass')) console.log('WARNING: a warm run did not pass: the reference agent must pass validate --self')
} finally {
  rmSync(work, { recursive: true, force: true })
}
