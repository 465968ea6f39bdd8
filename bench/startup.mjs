#!/usr/bin/env node
// CLI startup cost: median wall time of `node bin/run.js --version` against the floor of merely
// importing @oclif/core, both with this same Node binary (process.execPath). Target ratio <= 2.5.
// Usage: npx tsc -p . && npx node bench/startup.mjs [runs=15]   (npm run build also writes the
// oclif manifest; without a fresh one every start imports every command, see bin/run.js)
// Runs are interleaved so background load hits both sides alike, and child CPU time (Linux) is
// printed too: it is far less sensitive than wall time to a busy machine.
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const runs = Number(process.argv[2] ?? 15)
const TARGET = 2.5
const CASES = {
  "import('@oclif/core')": ['-e', "import('@oclif/core')"],
  'agentctl --version': ['bin/run.js', '--version'],
  'agentctl --help': ['bin/run.js', '--help'],
}

const median = (values) => {
  const s = [...values].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2
}

/** User+system CPU of waited-for children, in ms (Linux /proc; undefined elsewhere). */
function childCpuMs() {
  if (!existsSync('/proc/self/stat')) return undefined
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ')
  return ((Number(fields[13]) + Number(fields[14])) * 1000) / 100 // cutime + cstime, at USER_HZ = 100
}

function manifestFresh() {
  const manifest = join(root, 'oclif.manifest.json')
  if (!existsSync(manifest)) return 'missing'
  const time = statSync(manifest).mtimeMs
  const commands = join(root, 'dist', 'commands')
  const stale = readdirSync(commands, { recursive: true }).some((f) => String(f).endsWith('.js') && statSync(join(commands, String(f))).mtimeMs > time)
  return stale ? 'stale (older than dist/commands; run npm run build)' : 'fresh'
}

const samples = Object.fromEntries(Object.keys(CASES).map((name) => [name, { wall: [], cpu: [] }]))
for (const args of Object.values(CASES)) spawnSync(process.execPath, args, { cwd: root }) // warm the file cache
for (let i = 0; i < runs; i++) {
  for (const [name, args] of Object.entries(CASES)) {
    const cpuBefore = childCpuMs()
    const started = process.hrtime.bigint()
    const run = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8' })
    samples[name].wall.push(Number(process.hrtime.bigint() - started) / 1e6)
    if (cpuBefore !== undefined) samples[name].cpu.push(childCpuMs() - cpuBefore)
    if (run.status !== 0) throw new Error(`${args.join(' ')} exited ${run.status}: ${run.stderr}`)
  }
}

const base = samples["import('@oclif/core')"]
const baseWall = median(base.wall)
const baseCpu = base.cpu.length ? median(base.cpu) : undefined
console.log(`node ${process.version}, ${runs} interleaved runs each, medians; oclif manifest: ${manifestFresh()}`)
for (const [name, { wall, cpu }] of Object.entries(samples)) {
  const w = median(wall)
  const c = cpu.length ? median(cpu) : undefined
  const cpuText = c === undefined ? '' : `   cpu ${c.toFixed(0).padStart(5)} ms  ratio ${(c / baseCpu).toFixed(2)}`
  console.log(`  ${name.padEnd(22)} wall ${w.toFixed(0).padStart(5)} ms  ratio ${(w / baseWall).toFixed(2)}${cpuText}`)
}
const ratio = median(samples['agentctl --version'].wall) / baseWall
console.log(`--version wall ratio ${ratio.toFixed(2)} (target <= ${TARGET})${ratio > TARGET ? '  OVER TARGET' : ''}`)
if (ratio > TARGET) process.exitCode = 1
