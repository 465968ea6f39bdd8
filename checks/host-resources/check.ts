import { statfs } from 'node:fs/promises'
import { cpus, freemem, loadavg, totalmem } from 'node:os'
import type { Check, CheckOutcome } from '../../src/check.js'

const LOOPBACK = new Set(['localhost', '127.0.0.1', '::1', '[::1]', '0.0.0.0'])
const MEM_WARN = 0.1
const MEM_FAIL = 0.05
const DISK_WARN = 0.1
const DISK_FAIL = 0.05

export const check: Check = {
  id: 'host-resources',
  category: 'resources',
  title: 'Host resources (local target)',
  description: 'For an agent on this machine (loopback target): load average per core, available memory, free disk of the working directory',
  appliesTo: ['diagnose'],
  severity: 'fail',
  async run(ctx) {
    const host = new URL(ctx.config.target.url).hostname
    if (!LOOPBACK.has(host) && !host.startsWith('127.')) {
      return { status: 'skip', message: `the target ${host} is not on this machine; this host's figures would say nothing about it (see process-resources and k8s-pod-resources)` }
    }
    return [load(), memory(), await disk(process.cwd())]
  },
}

function load(): CheckOutcome {
  const cores = cpus().length || 1
  const [one, five, fifteen] = loadavg() as [number, number, number]
  const perCore = one / cores
  const evidence = { load1: Number(one.toFixed(2)), load5: Number(five.toFixed(2)), load15: Number(fifteen.toFixed(2)), cores, load1PerCore: Number(perCore.toFixed(2)) }
  const summary = `load ${one.toFixed(2)} / ${five.toFixed(2)} / ${fifteen.toFixed(2)} on ${cores} cores`
  const fix = 'See what is using the CPU: top -o %CPU -b -n 1 | head -20'
  if (perCore >= 2) return { title: 'Host CPU load', status: 'fail', evidence, message: `${summary}: ${perCore.toFixed(1)} runnable tasks per core, everything on this host waits for CPU`, remediation: fix }
  if (perCore >= 1) return { title: 'Host CPU load', status: 'warn', evidence, message: `${summary}: the CPUs are fully booked`, remediation: fix }
  return { title: 'Host CPU load', status: 'pass', evidence, message: summary }
}

function memory(): CheckOutcome {
  const total = totalmem()
  const free = freemem() // libuv reads MemAvailable on Linux: what can be allocated without swapping
  const share = free / total
  const gb = (b: number) => `${(b / 2 ** 30).toFixed(1)}GB`
  const evidence = { availableBytes: free, totalBytes: total, availablePct: Math.round(share * 100) }
  const summary = `${gb(free)} of ${gb(total)} memory available (${Math.round(share * 100)}%)`
  const fix = 'See what holds memory: ps -eo pid,rss,comm --sort=-rss | head -10'
  if (share < MEM_FAIL) return { title: 'Host memory', status: 'fail', evidence, message: `${summary}: the OOM killer is close`, remediation: fix }
  if (share < MEM_WARN) return { title: 'Host memory', status: 'warn', evidence, message: summary, remediation: fix }
  return { title: 'Host memory', status: 'pass', evidence, message: summary }
}

async function disk(dir: string): Promise<CheckOutcome> {
  try {
    const s = await statfs(dir)
    const total = s.blocks * s.bsize
    const free = s.bavail * s.bsize
    const share = total > 0 ? free / total : 1
    const gb = (b: number) => `${(b / 2 ** 30).toFixed(1)}GB`
    const evidence = { path: dir, freeBytes: free, totalBytes: total, freePct: Math.round(share * 100) }
    const summary = `${gb(free)} of ${gb(total)} free on the filesystem of ${dir} (${Math.round(share * 100)}%)`
    const fix = `Find what fills it: du -xh ${dir} --max-depth=2 2>/dev/null | sort -rh | head -15`
    if (share < DISK_FAIL) return { title: 'Host disk', status: 'fail', evidence, message: `${summary}: logs, the embedded database and temp files will start failing`, remediation: fix }
    if (share < DISK_WARN) return { title: 'Host disk', status: 'warn', evidence, message: summary, remediation: fix }
    return { title: 'Host disk', status: 'pass', evidence, message: summary }
  } catch (error) {
    return { title: 'Host disk', status: 'error', evidence: { path: dir }, message: `cannot stat the filesystem of ${dir}: ${(error as Error).message}`, remediation: `df -h ${dir}` }
  }
}
