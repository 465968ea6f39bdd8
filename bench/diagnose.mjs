// Diagnose connectivity benchmark: are the probes really concurrent and really bounded?
//   npx tsc -p . && npx node bench/diagnose.mjs
// Uses the real local Redis, PostgreSQL and NATS, loopback stand-ins for the agent, Prometheus and
// the LLM, and a "blackholed" endpoint (accepts TCP, never answers). Prints:
//   1. total wall time / slowest single check            (target <= 1.2: the checks overlap)
//   2. wall time with one dependency blackholed / timeout (target <= 1.2: a hang costs one timeout)
//   3. the same as the user runs it: the spawned CLI (`agentctl diagnose --only connectivity
//      --timeout 3s`), wall clock from spawn to exit, beside the in-process figure
//      (target: every run <= 1.2 x timeout + 1 s, the process's start and exit included)
// and, as the baseline, the same checks run one after another (what seeds/002 did).
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { dependencyCatalogue } from '../dist/checks/catalogue-dependencies.js'
import { ConfigSchema } from '../dist/src/config/schema.js'
import { runChecks } from '../dist/src/runner.js'

const REDIS = process.env.AGENTCTL_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'
const POSTGRES = process.env.AGENTCTL_TEST_DATABASE_URL ?? 'postgres://agentctl@127.0.0.1:5432/agentctl_test'
const NATS = process.env.AGENTCTL_TEST_NATS_URL ?? 'nats://127.0.0.1:4222'
const ROUNDS = Number(process.env.ROUNDS ?? 5)
const BLACKHOLE_TIMEOUT_MS = Number(process.env.BLACKHOLE_TIMEOUT_MS ?? 1000)
const CLI_TIMEOUT_MS = Number(process.env.CLI_TIMEOUT_MS ?? 3000)
const CLI_ROUNDS = Number(process.env.CLI_ROUNDS ?? 5)

const listen = (server) => new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)))
const json = (res, body, headers = {}) => res.writeHead(200, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body))

// One stand-in serves the agent (/health, /ready), Prometheus (/-/ready, /api/v1/query) and the LLM (/v1/models).
const standIn = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x')
  if (url.pathname === '/health') return res.end('ok')
  if (url.pathname === '/ready') return res.writeHead(200, { 'content-type': 'application/health+json' }).end(JSON.stringify({ status: 'pass', checks: { 'redis:connected': [{ status: 'pass' }] } }))
  if (url.pathname === '/-/ready') return res.end('Prometheus Server is Ready.')
  if (url.pathname === '/api/v1/query') return json(res, { status: 'success', data: { resultType: 'vector', result: [{ metric: { job: 'agent', instance: 'a:8080' }, value: [0, '1'] }] } })
  if (url.pathname === '/v1/models') return json(res, { data: [{ id: 'bench-model' }] }, { 'x-ratelimit-remaining-requests': '99', 'x-ratelimit-limit-requests': '100' })
  res.writeHead(404).end()
})
const sockets = new Set()
const blackhole = net.createServer((s) => sockets.add(s))
const [standInPort, blackholePort] = await Promise.all([listen(standIn), listen(blackhole)])
const stand = `http://127.0.0.1:${standInPort}`

const healthy = {
  target: { url: stand },
  dependencies: { redis: `${REDIS}/9`, postgres: POSTGRES, nats: NATS, prometheus: stand, llm: { baseUrl: `${stand}/v1`, model: 'bench-model' } },
}
const withBlackholedRedis = { ...healthy, dependencies: { ...healthy.dependencies, redis: `redis://127.0.0.1:${blackholePort}` } }

async function concurrent(config, timeoutMs) {
  const started = performance.now()
  const findings = await runChecks(dependencyCatalogue, { mode: 'diagnose', config: ConfigSchema.parse(config), timeoutMs })
  return { wallMs: performance.now() - started, findings }
}

async function sequential(config, timeoutMs) {
  const started = performance.now()
  for (const check of dependencyCatalogue) await runChecks([check], { mode: 'diagnose', config: ConfigSchema.parse(config), timeoutMs })
  return performance.now() - started
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const f1 = (x) => x.toFixed(1)

await concurrent(healthy, 5000) // warm-up: module JIT, TLS context, first connections
const overlap = []
let slowestCheck = ''
for (let i = 0; i < ROUNDS; i++) {
  const { wallMs, findings } = await concurrent(healthy, 5000)
  const slowest = findings.reduce((a, b) => (b.durationMs > a.durationMs ? b : a))
  const bad = findings.filter((f) => f.status !== 'pass' && f.status !== 'skip')
  if (bad.length) console.warn(`  note: ${bad.map((f) => `${f.checkId}=${f.status} (${f.message})`).join('; ')}`)
  overlap.push({ wallMs, slowestMs: Math.max(1, slowest.durationMs), ratio: wallMs / Math.max(1, slowest.durationMs) })
  slowestCheck = slowest.checkId
}
const seqHealthy = await sequential(healthy, 5000)

const hangs = []
for (let i = 0; i < Math.min(ROUNDS, 3); i++) {
  const { wallMs, findings } = await concurrent(withBlackholedRedis, BLACKHOLE_TIMEOUT_MS)
  const redis = findings.find((f) => f.checkId === 'redis')
  hangs.push({ wallMs, ratio: wallMs / BLACKHOLE_TIMEOUT_MS, message: redis?.message })
}
const seqHang = await sequential(withBlackholedRedis, BLACKHOLE_TIMEOUT_MS)

// Every dependency blackholed: concurrent costs one timeout, one-after-another costs one per check.
const ALL_TIMEOUT_MS = 500
const hole = (scheme) => `${scheme}://127.0.0.1:${blackholePort}`
const allBlackholed = { target: { url: hole('http') }, dependencies: { redis: hole('redis'), postgres: `${hole('postgres')}/db`, nats: hole('nats'), prometheus: hole('http'), llm: { baseUrl: `${hole('https')}/v1` } } }
const allConcurrent = await concurrent(allBlackholed, ALL_TIMEOUT_MS)
const allSequential = await sequential(allBlackholed, ALL_TIMEOUT_MS)
const ownWords = allConcurrent.findings.filter((f) => f.status !== 'skip' && !/did not finish within/.test(f.message)).length

// As the user runs it: the spawned CLI, from spawn to exit (Node start, module loading, report, exit).
const bin = new URL('../bin/run.js', import.meta.url).pathname
const work = mkdtempSync(join(tmpdir(), 'agentctl-bench-'))
const cliEnv = { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AGENTCTL_'))), NO_COLOR: '1', DEBUG: 'agentctl' }
function spawnedDiagnose(config, timeoutMs) {
  const file = join(work, 'agentctl.yaml')
  writeFileSync(file, JSON.stringify(config)) // JSON is YAML
  const started = performance.now()
  const child = spawn(process.execPath, [bin, 'diagnose', '--only', 'connectivity', '--timeout', `${timeoutMs}ms`, '-c', file], { cwd: work, env: cliEnv })
  let stderr = ''
  let lastOutput = started
  child.stdout.on('data', () => (lastOutput = performance.now()))
  child.stderr.on('data', (chunk) => (stderr += chunk))
  // exitLagMs: last byte of the report to process exit, what a leaked socket used to stretch to 2 s.
  return new Promise((resolve) => child.on('close', (code) => resolve({ wallMs: performance.now() - started, exitLagMs: performance.now() - lastOutput, code, guardFired: stderr.includes('exit guard fired') })))
}
const inProcess = await concurrent(withBlackholedRedis, CLI_TIMEOUT_MS)
const healthyCli = await spawnedDiagnose(healthy, 5000)
const cliRuns = []
for (let i = 0; i < CLI_ROUNDS; i++) cliRuns.push(await spawnedDiagnose(withBlackholedRedis, CLI_TIMEOUT_MS))
rmSync(work, { recursive: true, force: true })
const cliTarget = 1.2 * CLI_TIMEOUT_MS + 1000
const cliWithin = cliRuns.filter((r) => r.wallMs <= cliTarget).length

const o = median(overlap.map((r) => r.ratio))
const h = median(hangs.map((r) => r.ratio))
console.log(`diagnose connectivity: ${dependencyCatalogue.length} checks, ${ROUNDS} rounds (median), real Redis/PostgreSQL/NATS + loopback stand-ins`)
console.log(`  healthy:    wall ${f1(median(overlap.map((r) => r.wallMs)))}ms, slowest single check ${f1(median(overlap.map((r) => r.slowestMs)))}ms (${slowestCheck})`)
console.log(`              wall / slowest check = ${o.toFixed(2)}   (target <= 1.2)   ${o <= 1.2 ? 'OK' : 'OVER'}`)
console.log(`              baseline, one after another: ${f1(seqHealthy)}ms (loopback probes are CPU-bound, so overlap gains little here; it pays with network latency and hangs, below)`)
console.log(`  blackholed: redis -> a server that accepts and never answers, --timeout ${BLACKHOLE_TIMEOUT_MS}ms`)
console.log(`              wall ${f1(median(hangs.map((r) => r.wallMs)))}ms; wall / timeout = ${h.toFixed(2)}   (target <= 1.2)   ${h <= 1.2 ? 'OK' : 'OVER'}`)
console.log(`              redis finding: ${hangs[0]?.message}`)
console.log(`              baseline, one after another: ${f1(seqHang)}ms`)
console.log(`  all ${allConcurrent.findings.length} findings blackholed, --timeout ${ALL_TIMEOUT_MS}ms: concurrent ${f1(allConcurrent.wallMs)}ms (${(allConcurrent.wallMs / ALL_TIMEOUT_MS).toFixed(2)} x timeout) vs one after another ${f1(allSequential)}ms (${(allSequential / allConcurrent.wallMs).toFixed(1)}x slower)`)
console.log(`              ${ownWords} of ${allConcurrent.findings.filter((f) => f.status !== 'skip').length} probes gave their own diagnosis before the runner's deadline`)

console.log(`  spawned CLI: agentctl diagnose --only connectivity --timeout ${CLI_TIMEOUT_MS}ms, redis blackholed, ${CLI_ROUNDS} runs (wall from spawn to exit)`)
console.log(`              walls ${cliRuns.map((r) => f1(r.wallMs)).join(', ')}ms; median ${f1(median(cliRuns.map((r) => r.wallMs)))}ms, max ${f1(Math.max(...cliRuns.map((r) => r.wallMs)))}ms`)
console.log(`              ${cliWithin}/${CLI_ROUNDS} runs <= 1.2 x timeout + 1s = ${cliTarget}ms   ${cliWithin === CLI_ROUNDS ? 'OK' : 'OVER'}; exit guard fired in ${cliRuns.filter((r) => r.guardFired).length} (a probe leaked a handle)`)
console.log(`              report written -> process exit: ${cliRuns.map((r) => f1(r.exitLagMs)).join(', ')}ms`)
console.log(`              spawned wall / timeout = ${(median(cliRuns.map((r) => r.wallMs)) / CLI_TIMEOUT_MS).toFixed(2)}; in-process runChecks ${f1(inProcess.wallMs)}ms = ${(inProcess.wallMs / CLI_TIMEOUT_MS).toFixed(2)} x timeout; spawned / in-process = ${(median(cliRuns.map((r) => r.wallMs)) / inProcess.wallMs).toFixed(2)}`)
console.log(`              process start + exit, all healthy: spawned ${f1(healthyCli.wallMs)}ms vs in-process ${f1(median(overlap.map((r) => r.wallMs)))}ms (Node + oclif + module loading; grows with machine load)`)

for (const s of sockets) s.destroy()
standIn.close()
blackhole.close()
