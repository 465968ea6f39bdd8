/**
 * `agentctl demo` end to end, through the built CLI (npm test builds first): a --quick run writes
 * the combined report (opened in Chromium: no errors, no requests, charts drawn) and leaves no
 * process or port behind; Ctrl-C mid-run exits 130, still writes the partial report, and cleans up.
 *
 * The two runs share one embedded-PostgreSQL data directory under test-artifacts/ (a second
 * start skips initdb), so they run one after another in this file. Each child gets a unique
 * marker in its environment, which every process it spawns inherits: /proc tells us whether any
 * of them outlived the CLI.
 *
 * UPDATE_SCREENSHOT=1 runs the full demo instead of --quick and refreshes docs/report.png.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { copyFileSync, existsSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { connect } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Report } from '../../src/report.js'
import { chartFacts, launchChromium, openReport, screenshot } from '../browser/chromium.js'

const ROOT = join(import.meta.dirname, '..', '..')
const ARTIFACTS = join(ROOT, 'test-artifacts')
const DATA_DIR = join(ARTIFACTS, 'demo-data')
const UPDATE_SCREENSHOT = process.env.UPDATE_SCREENSHOT === '1'

interface DemoRun {
  child: ChildProcess
  marker: string
  stdout: () => string
  stderr: () => string
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

function startDemo(outDir: string, extraArgs: string[]): DemoRun {
  const marker = randomUUID()
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'run.js'), 'demo', '--out-dir', outDir, '--data-dir', DATA_DIR, ...extraArgs], {
    cwd: ROOT,
    env: { ...process.env, CI: '1', NO_COLOR: '1', AGENTCTL_DEMO_TEST_MARKER: marker },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (stdout += c))
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c))
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })))
  return { child, marker, stdout: () => stdout, stderr: () => stderr, exit }
}

/** Pids of live processes whose environment carries the marker (children inherit it). */
function processesWithMarker(marker: string): number[] {
  const needle = `AGENTCTL_DEMO_TEST_MARKER=${marker}`
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(needle)
      } catch {
        return false // exited meanwhile, or not ours to read
      }
    })
    .map(Number)
}

/** Every port the demo announced (agent and mock, both profiles). */
function announcedPorts(stderr: string): number[] {
  return [...stderr.matchAll(/http:\/\/127\.0\.0\.1:(\d+)/g)].map((m) => Number(m[1]))
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port })
    socket.setTimeout(1000)
    socket.once('connect', () => (socket.destroy(), resolve(true)))
    socket.once('error', () => resolve(false))
    socket.once('timeout', () => (socket.destroy(), resolve(false)))
  })
}

async function waitFor(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

async function expectCleanedUp(run: DemoRun): Promise<void> {
  expect(processesWithMarker(run.marker)).toEqual([])
  const ports = announcedPorts(run.stderr())
  expect(ports.length).toBeGreaterThanOrEqual(2)
  for (const port of ports) expect(await portOpen(port), `port ${port} still open`).toBe(false)
}

describe('agentctl demo (built CLI)', () => {
  const outDir = join(ARTIFACTS, 'demo')
  let run: DemoRun
  let result: { code: number | null; signal: NodeJS.Signals | null }

  beforeAll(async () => {
    if (!existsSync(join(ROOT, 'dist', 'commands', 'demo.js'))) throw new Error('dist/commands/demo.js is missing: run `npm run build` (npm test does it in pretest)')
    rmSync(outDir, { recursive: true, force: true })
    run = startDemo(outDir, UPDATE_SCREENSHOT ? [] : ['--quick'])
    result = await run.exit
  }, 240_000)

  afterAll(() => {
    if (run?.child.exitCode === null) run.child.kill('SIGKILL')
  })

  it('exits 0 and writes report.html and report.json with the validate, diagnose and load sections', () => {
    expect(result, run.stderr()).toEqual({ code: 0, signal: null })
    const report = JSON.parse(readFileSync(join(outDir, 'report.json'), 'utf8')) as Report
    expect(report.command).toBe('demo')
    expect(report.sections?.map((s) => s.command)).toEqual(['validate', 'diagnose', 'load'])
    const [validate, diagnose, load] = report.sections!
    expect(validate!.findings.some((f) => f.category === 'resilience' && f.status === 'pass')).toBe(true)
    expect(diagnose!.findings.find((f) => f.checkId === 'agent-health')?.status).toBe('pass')
    expect(load!.load?.mode).toBe('capacity')
    expect(load!.load!.steps.length).toBeGreaterThanOrEqual(2)
    expect(load!.load!.requests).toBeGreaterThan(0)
    // An agent that holds the demo's top rate is "at least": the advice names a command the demo's
    // user can run, not "rerun the same command" they never typed.
    const capacity = load!.findings.find((f) => f.checkId === 'load-capacity')!
    if (load!.load!.capacity?.outcome === 'at-least' && /reached --max-rps/.test(capacity.message)) {
      expect(capacity.remediation).toMatch(/^the demo's ramp stops at \d+ rps: run `npx agentctl load --self --find-capacity` with a higher --max-rps/)
    }
    expect(capacity.remediation).not.toMatch(/rerun the same/)
    const html = readFileSync(join(outDir, 'report.html'), 'utf8')
    for (const id of ['job-1', 'job-2', 'job-3']) expect(html).toContain(`id="${id}"`)
    // The summary tables and the absolute report path are printed; the agent's key never is.
    expect(run.stdout()).toContain(`report: ${join(outDir, 'report.html')}`)
    expect(run.stdout() + run.stderr() + html).not.toMatch(/agentctl-self-[0-9a-f]{8}-/)
  })

  it('gives the same verdicts as before the jobs became shared pipelines (test/demo/verdicts.golden.json)', () => {
    // Captured from the demo before its jobs moved to commands/_jobs. Not pinned: what the host or
    // the demo's own traffic decides (host and process load, spend burn rate, SLO and capacity on
    // a shared machine); the golden file lists what is.
    const golden = JSON.parse(readFileSync(join(import.meta.dirname, 'verdicts.golden.json'), 'utf8')) as Record<string, string[]>
    const report = JSON.parse(readFileSync(join(outDir, 'report.json'), 'utf8')) as Report
    for (const section of report.sections!) {
      const pinned = new Set(golden[section.command]!.map((line) => line.split(' ')[0]))
      const verdicts = section.findings.filter((f) => pinned.has(f.checkId)).map((f) => `${f.checkId} ${f.status}`)
      expect(verdicts, section.command).toEqual(golden[section.command])
    }
  })

  it('runs diagnose before load and reports the sections in the order they ran', () => {
    const order = [...run.stderr().matchAll(/demo: (validate|diagnose|load) done/g)].map((m) => m[1])
    expect(order).toEqual(['validate', 'diagnose', 'load'])
    const report = JSON.parse(readFileSync(join(outDir, 'report.json'), 'utf8')) as Report
    expect(report.sections!.map((s) => s.command)).toEqual(['validate', 'diagnose', 'load'])
    expect(Date.parse(report.sections![1]!.startedAt)).toBeLessThan(Date.parse(report.sections![2]!.startedAt))
  })

  it('leaves no process and no open port behind', async () => {
    await expectCleanedUp(run)
  })

  it('the real report opens in Chromium without errors or requests, with charts drawn', async () => {
    const browser = await launchChromium()
    try {
      const { page, errors, requests, documentUrl } = await openReport(browser, join(outDir, 'report.html'), { width: 1200, height: 820 })
      expect(errors).toEqual([])
      expect(requests).toEqual([documentUrl])
      const facts = await chartFacts(page)
      expect(facts.charts).toBeGreaterThanOrEqual(2)
      expect(facts.drawnPaths).toBeGreaterThanOrEqual(2)
      await screenshot(page, join(ARTIFACTS, 'demo-report.png'))
      // The capacity curve: latency per offered rate, the chart a planner reads first.
      const curve = page.locator('#job-3 svg.chart', { hasText: 'Latency vs offered load' })
      await expect(curve.count()).resolves.toBe(1)
      await curve.screenshot({ path: join(ARTIFACTS, 'demo-report-load.png') })
      if (UPDATE_SCREENSHOT) {
        copyFileSync(join(ARTIFACTS, 'demo-report.png'), join(ROOT, 'docs', 'report.png'))
        copyFileSync(join(ARTIFACTS, 'demo-report-load.png'), join(ROOT, 'docs', 'report-load.png'))
      }
    } finally {
      await browser.close()
    }
  })

  it('Ctrl-C mid-run exits 130, writes the partial report and stops every process it started', async () => {
    const interruptedDir = join(ARTIFACTS, 'demo-interrupted')
    rmSync(interruptedDir, { recursive: true, force: true })
    const interrupted = startDemo(interruptedDir, [])
    try {
      await waitFor(() => /demo: reference agent at/.test(interrupted.stderr()) || interrupted.child.exitCode !== null, 90_000, 'the agent to start')
      expect(interrupted.child.exitCode, interrupted.stderr()).toBeNull()
      await new Promise((r) => setTimeout(r, 1500)) // validate is running now
      interrupted.child.kill('SIGINT')
      const exited = await Promise.race([interrupted.exit, new Promise((r) => setTimeout(() => r('timeout'), 30_000))])
      expect(exited, interrupted.stderr()).toEqual({ code: 130, signal: null })
      expect(interrupted.stderr()).toContain('demo: interrupted')
      const partial = JSON.parse(readFileSync(join(interruptedDir, 'report.json'), 'utf8')) as Report
      expect(partial.command).toBe('demo')
      // A partial run has no verdict: never PASS, whatever the finished checks say.
      expect(partial.verdict).toBe('interrupted')
      expect(partial.sections?.map((s) => s.command)).toEqual(['validate'])
      await expectCleanedUp(interrupted)
    } finally {
      if (interrupted.child.exitCode === null) interrupted.child.kill('SIGKILL')
    }
  }, 150_000)
})
