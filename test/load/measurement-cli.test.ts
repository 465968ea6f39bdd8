/**
 * A hung agent through the built CLI: the closed model's stalled requests reach the verdict and the
 * report. Run `npx tsc -p .` before running this file alone.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { parseReport } from '../../src/report-schema.js'
import { agentctl, assertBuilt } from './cli.js'
import { startDelayServer, type TestServer } from './servers.js'

const work = mkdtempSync(join(tmpdir(), 'agentctl-measurement-cli-'))
let hung: TestServer
beforeAll(async () => {
  assertBuilt()
  // Answers after 10 minutes: never, for this run.
  hung = await startDelayServer(600_000)
})
afterAll(async () => {
  await hung.close()
  rmSync(work, { recursive: true, force: true })
})

it('a hung agent fails the closed-model run with timeouts instead of passing with 0 requests', async () => {
  const out = join(work, 'hung.json')
  const args = ['load', '--target', hung.url, '--method', 'GET', '--path', '/', '--connections', '3', '--warmup', '500ms', '--duration', '1s', '--timeout', '2s', '-o', out]
  const { code, stderr } = await agentctl(args, { cwd: work, timeoutMs: 30_000 }).done
  expect(code, stderr).toBe(1)
  const json = JSON.parse(readFileSync(out, 'utf8'))
  // The report stays valid (no NaN where the schema wants a number).
  const parsed = parseReport(json)
  expect(parsed.ok, parsed.ok ? '' : parsed.problem).toBe(true)
  expect(json.verdict).toBe('fail')
  expect(json.load).toMatchObject({ requests: 3, errors: 3, achievedRps: 0 })
  const slo = json.findings.filter((f: { checkId: string }) => f.checkId.startsWith('load-slo-'))
  expect(slo.map((f: { status: string }) => f.status)).toEqual(['fail', 'fail'])
  expect(slo.map((f: { message: string }) => f.message).join('\n')).toMatch(/no successful responses/)
  // Nothing was measured: the latency threshold's observed value is null, never a passing-looking 0.
  const p95 = json.load.slo.find((s: { metric: string }) => s.metric === 'p95')
  expect(p95).toMatchObject({ observed: null, passed: false })
})
