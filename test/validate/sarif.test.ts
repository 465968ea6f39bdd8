/**
 * `validate -o x.sarif` end to end: the built CLI gates a broken fixture agent (no circuit breaker)
 * with failing manifests and a questionable config, and the SARIF file it writes validates against
 * the SARIF 2.1.0 schema with one result per non-pass finding, located where the finding is.
 */
import { spawn } from 'node:child_process'
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Log } from 'sarif'
import { afterAll, expect, it } from 'vitest'
import { fixturePath } from '../../src/paths.js'
import type { Report } from '../../src/report.js'
import { sarifValidator } from '../support/sarif-validator.js'
import { FIXTURE_API_KEY, spawnFixtureAgent, startMock } from './support.js'

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'run.js')
const cwd = mkdtempSync(join(tmpdir(), 'agentctl-sarif-'))
afterAll(() => rmSync(cwd, { recursive: true, force: true }))

function cli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, CI: 'true', ...env } })
    let stderr = ''
    child.stderr.on('data', (c: Buffer) => (stderr += c))
    child.on('close', (code) => resolve({ code, stderr }))
  })
}

it('validate on a broken agent writes SARIF 2.1.0: valid, one result per non-pass finding, with locations', async () => {
  cpSync(fixturePath('manifests', 'fail', 'probes.yaml'), join(cwd, 'deploy', 'probes.yaml'), { recursive: true })
  // slo.errorRate 0.5 is a warning about a key on line 6 of this file; target.url is on line 2.
  writeFileSync(join(cwd, 'agentctl.yaml'), ['target:', '  url: http://127.0.0.1:1', '  apiKey: ${AGENT_API_KEY}', 'slo:', '  p95Ms: 5000', '  errorRate: 0.5', 'validate:', '  manifests: [deploy/*.yaml]', ''].join('\n'))
  const mock = await startMock()
  const agent = await spawnFixtureAgent('no-breaker', mock)
  try {
    const run = await cli(['validate', '--target', agent.url, '--only', 'config,circuit-breaker', '--max-recovery', '10s', '-o', 'out/x.sarif', '-o', 'out/x.json'], {
      AGENTCTL_MOCK_LLM_PORT: String(mock.port),
      AGENT_API_KEY: FIXTURE_API_KEY,
    })
    expect(run.code, run.stderr).toBe(1)
  } finally {
    await agent.stop()
    await mock.close()
  }
  const report = JSON.parse(readFileSync(join(cwd, 'out', 'x.json'), 'utf8')) as Report
  const log = JSON.parse(readFileSync(join(cwd, 'out', 'x.sarif'), 'utf8')) as Log
  const validate = sarifValidator()
  expect(validate(log), JSON.stringify(validate.errors, null, 2)).toBe(true)

  const nonPass = report.findings.filter((f) => f.status !== 'pass')
  const results = log.runs[0]!.results!
  expect(results.map((r) => r.ruleId)).toEqual(nonPass.map((f) => f.checkId))
  expect(results.find((r) => r.ruleId === 'circuit-breaker')).toMatchObject({ kind: 'fail', level: 'error' })
  expect(log.runs[0]!.tool.driver.rules!.find((r) => r.id === 'circuit-breaker')!.help!.markdown).toMatch(/^# circuit-breaker/)

  // Manifest results point at the line where their object starts.
  const probes = readFileSync(join(cwd, 'deploy', 'probes.yaml'), 'utf8').split('\n')
  const manifestResults = results.filter((r) => r.ruleId!.startsWith('manifest-') && r.kind === 'fail')
  expect(manifestResults.length).toBeGreaterThan(0)
  for (const r of manifestResults) {
    const { artifactLocation, region } = r.locations![0]!.physicalLocation!
    expect(artifactLocation!.uri).toBe('deploy/probes.yaml')
    expect(probes[region!.startLine! - 1]).toMatch(/^(apiVersion|kind):/)
  }
  // A finding about the running agent points at where the target is declared (code scanning needs a file).
  expect(results.find((r) => r.ruleId === 'circuit-breaker')!.locations![0]).toMatchObject({ physicalLocation: { artifactLocation: { uri: 'agentctl.yaml' }, region: { startLine: 2 } }, logicalLocations: [{ fullyQualifiedName: 'target.url' }] })
  for (const r of results) expect(r.locations?.[0]?.physicalLocation?.artifactLocation?.uri, r.ruleId).toBeTruthy()
  // The config warning points at slo.errorRate, line 6.
  const config = results.find((r) => r.ruleId === 'agentctl-config')!
  expect(config.level).toBe('warning')
  expect(config.locations![0]).toMatchObject({ physicalLocation: { artifactLocation: { uri: 'agentctl.yaml' }, region: { startLine: 6 } }, logicalLocations: [{ fullyQualifiedName: 'slo.errorRate' }] })
}, 120_000)
