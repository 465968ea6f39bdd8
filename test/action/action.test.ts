/**
 * The GitHub Action (action.yml, composite) run locally the way a runner runs it: its `run:` steps
 * in bash with the inputs resolved into their INPUT_* environment, GITHUB_OUTPUT and
 * GITHUB_STEP_SUMMARY files (test/support/composite-action.ts). agentctl is installed by the
 * action's own install step, from this checkout (`package:` input) instead of the registry.
 * `uses:` steps (setup-node, upload-sarif, upload-artifact) are skipped with a note; what they would
 * receive is checked.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, dirname, join } from 'node:path'
import { XMLParser, XMLValidator } from 'fast-xml-parser'
import { afterAll, describe, expect, it } from 'vitest'
import { fixturePath, packageRoot } from '../../src/paths.js'
import { runCompositeAction } from '../support/composite-action.js'
import { sarifValidator } from '../support/sarif-validator.js'

const root = packageRoot()
const work = mkdtempSync(join(tmpdir(), 'agentctl-action-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

// The runner's PATH after setup-node: a Node >= 22.19 first.
const env: NodeJS.ProcessEnv = { PATH: [dirname(process.execPath), process.env.PATH].join(delimiter), HOME: process.env.HOME, NO_COLOR: '1', npm_config_update_notifier: 'false' }

/** A repository with an agentctl.yaml that lints deploy/ (the failing or the passing manifests). */
function workspace(name: string, manifests: 'fail' | 'pass'): string {
  const dir = join(work, name)
  cpSync(fixturePath('manifests', manifests), join(dir, 'deploy'), { recursive: true })
  writeFileSync(join(dir, 'agentctl.yaml'), 'validate:\n  manifests: [deploy/*.yaml]\n')
  return dir
}

function runAction(name: string, manifests: 'fail' | 'pass', inputs: Record<string, string>) {
  const ws = workspace(name, manifests)
  const temp = mkdtempSync(join(work, `${name}-runner-`))
  const run = runCompositeAction({ actionDir: root, workspace: ws, tempDir: temp, env, inputs: { package: root, config: 'agentctl.yaml', args: '--only config', ...inputs } })
  const log = run.steps.map((s) => `${s.name}: ${s.status} ${s.exitCode ?? ''}\n${s.stdout ?? ''}${s.stderr ?? ''}`).join('\n')
  return { run, ws, temp, log }
}

describe('action.yml (composite), run as a runner would', () => {
  it('a failing gate: step summary, valid SARIF and JUnit written, exit 1 passed through, uploads get the files', () => {
    const { run, ws, temp, log } = runAction('failing', 'fail', { command: 'validate' })
    expect(run.exitCode, log).toBe(1)
    expect(run.outputs.run).toMatchObject({ 'exit-code': '1', verdict: 'fail', sarif: 'agentctl-reports/validate.sarif', junit: 'agentctl-reports/validate.xml' })

    const summary = readFileSync(join(temp, 'step-summary.md'), 'utf8')
    expect(summary).toMatch(/agentctl validate: FAIL/)
    expect(summary).toContain('manifest-probes')

    const sarif = JSON.parse(readFileSync(join(ws, 'agentctl-reports', 'validate.sarif'), 'utf8'))
    const validate = sarifValidator()
    expect(validate(sarif), JSON.stringify(validate.errors)).toBe(true)
    expect(sarif.runs[0].results.some((r: { level: string; locations?: unknown[] }) => r.level === 'error' && r.locations?.length)).toBe(true)

    const junit = readFileSync(join(ws, 'agentctl-reports', 'validate.xml'), 'utf8')
    expect(XMLValidator.validate(junit)).toBe(true)
    expect(Number(new XMLParser({ ignoreAttributes: false }).parse(junit).testsuites['@_failures'])).toBeGreaterThan(0)

    // The uses: steps that a runner would run after the failure (if: always()), and what they get.
    expect(run.notes.length).toBe(3)
    expect(run.steps.find((s) => s.name === 'Upload SARIF to code scanning')).toMatchObject({ status: 'not run (uses)', with: { sarif_file: 'agentctl-reports/validate.sarif', category: 'agentctl-validate' } })
    expect(run.steps.find((s) => s.name.startsWith('Upload the reports'))).toMatchObject({ status: 'not run (uses)', with: { path: 'agentctl-reports' } })
  }, 300_000)

  it('a passing gate exits 0 with verdict pass; fail-on warn is passed to agentctl', () => {
    const { run, log } = runAction('passing', 'pass', { command: 'validate', 'fail-on': 'warn' })
    expect(run.exitCode, log).toBe(0)
    expect(run.outputs.run).toMatchObject({ 'exit-code': '0', verdict: 'pass' })
  }, 300_000)

  it('an unknown command is a usage error (exit 2) naming the valid ones; nothing is uploaded', () => {
    const { run, log } = runAction('bad-command', 'pass', { command: 'deploy' })
    expect(run.exitCode, log).toBe(2)
    expect(log).toContain('input command is "deploy"; use validate, diagnose or load')
    expect(run.steps.filter((s) => s.name.startsWith('Upload')).map((s) => s.status)).toEqual(['skipped', 'skipped'])
  }, 300_000)
})
