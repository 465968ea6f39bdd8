#!/usr/bin/env node
/**
 * The adaptive capacity search against a slow exhaustive ramp of the same SLO, in one run.
 *
 *   npx tsc -p . && npx node bench/capacity.mjs [--runs 3] [--ramp-steps 15] [--target URL | --seed-000]
 *       [--mock-latency 100ms..200ms] [--slo 'p95<1s' --slo 'error_rate<1%'] [-- extra load flags]
 *
 * Default target: the reference agent, started fresh for every run (as `load --self` starts it:
 * embedded PostgreSQL, the mock LLM at the given latency, the load profile) and warmed up. --seed-000: the seed-000 FastAPI agent (bench/seed-000) on a
 * zero-latency mock LLM, the real PostgreSQL and Redis (AGENTCTL_TEST_DATABASE_URL /
 * AGENTCTL_TEST_REDIS_URL) and, unless --slo is given, the issue's SLO p95<400ms. With --target,
 * your agent (loopback). Each run is the built CLI,
 * spawned and timed as the user runs it:
 *   1. `agentctl load --find-capacity` with default settings, `runs` times: the answer, its
 *      outcome and bracket, the search time (the report's duration) and the wall clock;
 *   2. the exhaustive ramp: `--find-capacity --step-rps S --start-rps S --step-duration 10s`
 *      with S = the median default answer / ramp-steps, so the ramp crosses the capacity after
 *      about ramp-steps steps of 13 s each (slow on purpose: it measures every rate).
 * Prints adaptive/exhaustive (target within 15%), the spread of the default runs (target 15%),
 * and the times (target: each default run's search within 3 minutes).
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    runs: { type: 'string', default: '3' },
    'ramp-steps': { type: 'string', default: '15' },
    target: { type: 'string' },
    'seed-000': { type: 'boolean', default: false },
    'mock-latency': { type: 'string', default: '100ms..200ms' },
    slo: { type: 'string', multiple: true },
    'skip-ramp': { type: 'boolean', default: false },
  },
})
if (!existsSync(join(root, 'dist', 'commands', 'load.js'))) throw new Error('dist/ is missing: run `npx tsc -p .` first')

values.slo ??= values['seed-000'] ? ['p95<400ms', 'error_rate<1%'] : ['p95<1500ms', 'error_rate<1%']
const outDir = mkdtempSync(join(tmpdir(), 'agentctl-capacity-bench-'))
let runIndex = 0
let stack
let targetArgs = ['--target', values.target]
const targetName = values['seed-000'] ? 'seed-000 FastAPI agent (zero-latency mock LLM, PostgreSQL, Redis)' : values.target
let starts = 0

/**
 * A fresh, warmed agent for every run (ours: the reference agent or the seed-000 one): an agent
 * pushed past its limit may carry the damage into the next run (the reference agent, started once,
 * held 247-304 rps in three searches and then broke at 153 rps in the ramp), and the bench
 * measures the search, not that. Your --target is used as it is.
 */
async function freshTarget() {
  if (values.target) return
  await stack?.stop()
  if (values['seed-000']) {
    stack = await startSeedStack()
    targetArgs = ['--target', stack.url]
  } else {
    const { startSelfStack } = await import(join(root, 'dist', 'harness', 'self-stack.js'))
    const { parseDurationRange } = await import(join(root, 'dist', 'src', 'duration.js'))
    stack = await startSelfStack({ profile: 'load', dataDir: join(outDir, `pg-${++starts}`), mockLlm: { latency: parseDurationRange(values['mock-latency']) } })
    // The agent's key goes through the environment (agentctl.yaml interpolates it), never argv.
    writeFileSync(join(outDir, 'agentctl.yaml'), `target:\n  url: ${stack.agentUrl}\n  apiKey: \${BENCH_AGENT_KEY}\n`)
    process.env.BENCH_AGENT_KEY = stack.apiKey
    targetArgs = ['-c', join(outDir, 'agentctl.yaml')]
  }
  // Warm it: JIT, connection pools, caches; a cold agent's first seconds are no capacity figure.
  await load(['--rate', '5', '--duration', '10s', '--warmup', '2s', '--slo', 'error_rate<1'], { quiet: true })
}
const sloArgs = values.slo.flatMap((s) => ['--slo', s])

/** One spawned `agentctl load … --json`: its report and the wall clock. */
function load(args, { quiet = false } = {}) {
  const started = Date.now()
  const child = spawn(process.execPath, [join(root, 'bin', 'run.js'), 'load', ...targetArgs, ...(quiet ? [] : sloArgs), ...args, ...positionals, '--json'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } })
  let out = ''
  let err = ''
  child.stdout.on('data', (d) => (out += d))
  child.stderr.on('data', (d) => (err += d))
  return new Promise((resolve) => {
    child.on('close', (code) => {
      const wallS = (Date.now() - started) / 1000
      try {
        const report = JSON.parse(out)
        const file = join(outDir, `run-${++runIndex}.json`)
        writeFileSync(file, out)
        resolve({ code, wallS, report, file })
      } catch {
        resolve({ code, wallS, error: (err || out).trim().split('\n').slice(-3).join(' | ') })
      }
    })
  })
}

function describe(run) {
  if (!run.report) return `failed (exit ${run.code}): ${run.error}`
  const c = run.report.load?.capacity ?? {}
  const steps = run.report.load?.steps?.length ?? 0
  const reason = run.report.findings.find((f) => f.checkId === 'load-capacity')?.evidence?.stopReason ?? ''
  return `${c.outcome === 'at-least' ? 'at least ' : ''}${c.maxSustainableRps} rps (broke at ${c.brokeAtRps ?? '–'}, ${c.outcome}) · ${steps} steps · search ${(run.report.durationMs / 1000).toFixed(1)} s · wall ${run.wallS.toFixed(1)} s · exit ${run.code}\n    ${reason.slice(0, 200)} (${run.file})`
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

console.log(`capacity bench · ${targetName ?? `reference agent (load profile, mock LLM ${values['mock-latency']})`}${values.target ? '' : ', started fresh and warmed for every run'} · SLO ${values.slo.join(', ')}`)
console.log('NOTE: absolute figures depend on the machine; compare the ratios of one run.\n')

const defaults = []
for (let i = 0; i < Number(values.runs); i++) {
  await freshTarget()
  const run = await load(['--find-capacity'])
  defaults.push(run)
  console.log(`default --find-capacity #${i + 1}: ${describe(run)}`)
}
const answers = defaults.filter((r) => r.report).map((r) => r.report.load.capacity.maxSustainableRps)
if (answers.length === 0 || Math.min(...answers) === 0) {
  console.log('a default run found no sustainable rate: no ratio to compute')
  await stack?.stop()
  process.exit(1)
}
const mid = median(answers)
const spread = Math.max(...answers) / Math.min(...answers) - 1
const searchTimes = defaults.filter((r) => r.report).map((r) => r.report.durationMs / 1000)
console.log(`\ndefault runs: ${answers.join(', ')} rps · spread ${(spread * 100).toFixed(1)}% (target <= 15%) · longest search ${Math.max(...searchTimes).toFixed(1)} s (target <= 180 s)`)

if (!values['skip-ramp']) {
  const step = Math.max(0.1, Number((mid / Number(values['ramp-steps'])).toPrecision(2)))
  await freshTarget()
  const ramp = await load(['--find-capacity', '--start-rps', String(step), '--step-rps', String(step), '--step-duration', '10s', '--warmup', '3s', '--timeout', '20s', '--max-duration', '10m'])
  console.log(`\nexhaustive ramp (+${step} rps per 13 s step): ${describe(ramp)}`)
  if (ramp.report?.load.capacity.maxSustainableRps > 0) {
    const exhaustive = ramp.report.load.capacity.maxSustainableRps
    const ratios = answers.map((a) => a / exhaustive)
    console.log(`adaptive / exhaustive: ${ratios.map((r) => r.toFixed(3)).join(', ')} (target within 0.85..1.15; the ramp's own resolution is ±${((step / exhaustive) * 100).toFixed(0)}%)`)
    console.log(`times: adaptive search ${searchTimes.map((t) => t.toFixed(0)).join(', ')} s vs exhaustive ${(ramp.report.durationMs / 1000).toFixed(0)} s`)
  }
}
await stack?.stop()

/** The seed-000 agent on its own schema and Redis prefix, a zero-latency mock LLM in this process. */
async function startSeedStack() {
  const { randomBytes } = await import('node:crypto')
  const { default: pg } = await import('pg')
  const { Redis } = await import('ioredis')
  const { startSeed } = await import('./seed-000/start.mjs')
  const { startMockLlmServer } = await import(join(root, 'dist', 'harness', 'index.js'))
  const databaseUrl = process.env.AGENTCTL_TEST_DATABASE_URL ?? 'postgres://agentctl@127.0.0.1:5432/agentctl_test'
  const redisUrl = process.env.AGENTCTL_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'
  const schema = `bench_capacity_${process.pid}_${randomBytes(2).toString('hex')}`
  const sql = async (text) => {
    const client = new pg.Client({ connectionString: databaseUrl })
    await client.connect()
    await client.query(text).finally(() => client.end())
  }
  await sql(`CREATE SCHEMA ${schema}`)
  const mock = await startMockLlmServer({ port: 0 })
  const url = new URL(databaseUrl)
  url.searchParams.set('options', `-c search_path=${schema},public`)
  const seed = await startSeed({ llmUrl: mock.url, databaseUrl: url, redisUrl, redisPrefix: `bench:${schema}:` })
  return {
    url: seed.url,
    async stop() {
      seed.child.kill('SIGTERM')
      await mock.close()
      await sql(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
      const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 })
      for await (const keys of redis.scanStream({ match: `bench:${schema}:*`, count: 500 })) if (keys.length) await redis.del(...keys)
      redis.disconnect()
    },
  }
}
