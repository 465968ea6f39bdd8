#!/usr/bin/env node
/**
 * agentctl load vs wrk against the same hello-world node:http server, in one run.
 *
 *   npx tsc -p . && npx node bench/load.mjs [--duration 10] [--connections 50] [--rounds 3] [--threads 1]
 *
 * The server runs in its own process; wrk (/usr/bin/wrk, Debian package `wrk`) and agentctl
 * (the built CLI, closed model on autocannon) take turns against it, `rounds` times each, and the
 * best round of each is compared. wrk runs with 1 thread by default: agentctl's driver is one
 * Node event loop, and on a 2-core machine a second wrk thread would take CPU from the server.
 * Prints req/s of both, the ratio agentctl/wrk (target >= 0.9), and both p50s. Raw autocannon (its
 * own CLI, same connections and duration) takes a turn too: agentctl's closed model is built on it,
 * so agentctl/autocannon shows what the wrapper costs and autocannon/wrk what the engine does.
 */
import { execFileSync, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
    rounds: { type: 'string', default: '3' },
    threads: { type: 'string', default: '1' },
    wrk: { type: 'string', default: '/usr/bin/wrk' },
  },
})
const duration = Number(values.duration)
const connections = Number(values.connections)
if (!existsSync(values.wrk)) throw new Error(`${values.wrk} not found: apt-get install wrk`)
if (!existsSync(join(root, 'dist', 'commands', 'load.js'))) throw new Error('dist/ is missing: run `npx tsc -p .` first')

const serverCode = `
  const http = require('node:http')
  const server = http.createServer((req, res) => { res.writeHead(200, { 'content-type': 'text/plain' }); res.end('hello world') })
  server.keepAliveTimeout = 60000
  server.listen(0, '127.0.0.1', () => console.log(server.address().port))`
const server = spawn(process.execPath, ['-e', serverCode], { stdio: ['ignore', 'pipe', 'inherit'] })
const port = await new Promise((resolve) => server.stdout.once('data', (d) => resolve(Number(String(d).trim()))))
const url = `http://127.0.0.1:${port}/`

function toMs(text) {
  const m = /^([\d.]+)(us|ms|s)$/.exec(text.trim())
  if (!m) return NaN
  return Number(m[1]) * { us: 0.001, ms: 1, s: 1000 }[m[2]]
}

function runWrk() {
  const out = execFileSync(values.wrk, [`-t${values.threads}`, `-c${connections}`, `-d${duration}s`, '--latency', url], { encoding: 'utf8' })
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1])
  const p50 = toMs(/^\s+50%\s+(\S+)/m.exec(out)?.[1] ?? '')
  return { rps, p50 }
}

function runAgentctl() {
  const args = [join(root, 'bin', 'run.js'), 'load', '--target', url, '--method', 'GET', '--path', '/', '--connections', String(connections), '--duration', `${duration}s`, '--warmup', '1s', '--slo', 'error_rate<0.01', '--json']
  let out
  let err = ''
  try {
    out = execFileSync(process.execPath, args, { encoding: 'utf8', cwd: root, env: { ...process.env, AGENTCTL_PROGRESS: '0' }, maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] })
  } catch (error) {
    out = error.stdout // exit 1 (a failed SLO) still prints the report
    err = String(error.stderr ?? '')
  }
  let report
  try {
    report = JSON.parse(out)
  } catch {
    throw new Error(`agentctl load printed no report (is dist/ built and complete?):\n${err.slice(-2000)}`)
  }
  return { rps: report.load.achievedRps, p50: report.load.latencyMs.p50, errors: report.load.errors }
}

function runAutocannon() {
  const cli = join(root, 'node_modules', 'autocannon', 'autocannon.js')
  const out = execFileSync(process.execPath, [cli, '-c', String(connections), '-d', String(duration), '--json', url], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 * 1024 * 1024 })
  const result = JSON.parse(out)
  return { rps: result.requests.total / duration, p50: result.latency.p50 }
}

const results = { wrk: [], agentctl: [], autocannon: [] }
try {
  for (let round = 1; round <= Number(values.rounds); round++) {
    const w = runWrk()
    results.wrk.push(w)
    console.log(`round ${round}  wrk       ${w.rps.toFixed(0).padStart(7)} req/s  p50 ${w.p50.toFixed(2)} ms`)
    const a = runAgentctl()
    results.agentctl.push(a)
    console.log(`round ${round}  agentctl  ${a.rps.toFixed(0).padStart(7)} req/s  p50 ${a.p50.toFixed(2)} ms  (${a.errors} errors)`)
    const c = runAutocannon()
    results.autocannon.push(c)
    // autocannon's own JSON rounds latencies to whole milliseconds.
    console.log(`round ${round}  autocannon ${c.rps.toFixed(0).padStart(6)} req/s  p50 ${c.p50 > 0 ? `${c.p50} ms` : '< 1 ms'}  (raw CLI, no warm-up exclusion)`)
  }
} finally {
  server.kill()
}
const best = (list) => list.reduce((a, b) => (b.rps > a.rps ? b : a))
const w = best(results.wrk)
const a = best(results.agentctl)
const ratio = a.rps / w.rps
// Each round runs wrk then agentctl back to back: their ratio is less exposed to other load on
// the machine than the best-of figures, which may come from different moments.
const pairRatios = results.wrk.map((x, i) => results.agentctl[i].rps / x.rps).sort((p, q) => p - q)
const medianPair = pairRatios[Math.floor(pairRatios.length / 2)]
console.log('')
console.log(`hello-world node:http, ${connections} connections, ${duration}s, wrk -t${values.threads}; best of ${values.rounds} rounds each`)
console.log(`agentctl/wrk req/s: ${a.rps.toFixed(0)} / ${w.rps.toFixed(0)} = ${ratio.toFixed(2)} (target >= 0.90) ${ratio >= 0.9 ? 'OK' : 'BELOW TARGET'}`)
console.log(`median ratio of back-to-back pairs: ${medianPair.toFixed(2)} (${pairRatios.map((r) => r.toFixed(2)).join(', ')})`)
console.log(`p50: agentctl ${a.p50.toFixed(2)} ms, wrk ${w.p50.toFixed(2)} ms`)
const c = best(results.autocannon)
console.log(`raw autocannon (best round): ${c.rps.toFixed(0)} req/s; agentctl/autocannon = ${(a.rps / c.rps).toFixed(2)}, autocannon/wrk = ${(c.rps / w.rps).toFixed(2)}`)
