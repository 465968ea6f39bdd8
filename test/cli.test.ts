/**
 * End to end through the built CLI (`node bin/run.js`, the Node that runs vitest). `npm test`
 * builds first (pretest); run `npx tsc -p .` before running this file alone.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { XMLValidator } from 'fast-xml-parser'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../src/config/load.js'
import { packageRoot } from '../src/paths.js'
import { parseReport } from '../src/report-schema.js'

const root = packageRoot()
const bin = join(root, 'bin', 'run.js')
const work = mkdtempSync(join(tmpdir(), 'agentctl-cli-'))
const fixture = (name: string) => join(root, 'fixtures', 'reports', `${name}.json`)

function agentctl(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}) {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...opts.env }
  delete env.GITHUB_STEP_SUMMARY
  const run = spawnSync(process.execPath, [bin, ...args], { cwd: opts.cwd ?? work, env, encoding: 'utf8', timeout: 60_000 })
  return { code: run.status, stdout: run.stdout, stderr: run.stderr }
}

beforeAll(() => {
  if (!existsSync(join(root, 'dist', 'commands', 'init.js'))) throw new Error('dist/ is missing: run `npx tsc -p .` (npm test does it in pretest)')
})
afterAll(() => rmSync(work, { recursive: true, force: true }))

describe('agentctl CLI', () => {
  it('--version prints name and version', () => {
    const { code, stdout } = agentctl(['--version'])
    expect(code).toBe(0)
    expect(stdout).toMatch(/^agentctl-cli\/\d+\.\d+\.\d+ /) // the package name: what `npm i` installs
  })

  // The machine's own Node (Debian's, v20 here) is older than agentctl supports: the entry point
  // must say so plainly instead of failing inside undici.
  const systemNode = spawnSync('/usr/bin/node', ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout?.trim() ?? ''
  it.skipIf(!/^(1\d|2[01])\.|^22\.(1[0-8]|\d)\./.test(systemNode))('an unsupported Node gets a clear error and exit 2', () => {
    const result = spawnSync('/usr/bin/node', [bin, '--version'], { encoding: 'utf8' })
    expect(result.status).toBe(2)
    expect(result.stderr).toContain('agentctl needs Node.js >= 22.19')
    expect(result.stderr).toContain('npx agentctl')
  })

  it('--help lists every command with a one-line summary', () => {
    const { code, stdout } = agentctl(['--help'])
    expect(code).toBe(0)
    const commands = readdirSync(join(root, 'dist', 'commands'), { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && e.name.endsWith('.js') && !e.parentPath.includes('_') && !e.name.startsWith('_'))
      .map((e) => join(e.parentPath, e.name).slice(join(root, 'dist', 'commands').length + 1).replace(/\.js$/, '').split('/')[0]!)
    expect(commands).toEqual(expect.arrayContaining(['init', 'report']))
    for (const name of new Set([...commands, 'autocomplete'])) expect(stdout).toMatch(new RegExp(`^  ${name}\\s+\\S.+`, 'm'))
    expect(stdout).toMatch(/EXAMPLES\n.*\n    \$ agentctl init/)
  })

  it.each(['init', 'report'])('%s --help shows a summary, description and examples', (name) => {
    const { code, stdout } = agentctl([name, '--help'])
    expect(code).toBe(0)
    expect(stdout).toContain('DESCRIPTION')
    expect(stdout).toContain('EXAMPLES')
    expect(stdout).toContain(`$ agentctl ${name}`)
  })

  it('autocomplete --help works', () => {
    const { code, stdout } = agentctl(['autocomplete', '--help'])
    expect(code).toBe(0)
    expect(stdout).toMatch(/bash|zsh/)
  })

  it('init writes a config that loads, refuses to overwrite (exit 2), and overwrites with --force', () => {
    const dir = mkdtempSync(join(work, 'init-'))
    const first = agentctl(['init'], { cwd: dir })
    expect(first.code).toBe(0)
    const file = join(dir, 'agentctl.yaml')
    const text = readFileSync(file, 'utf8')
    // Outside the install's project: no path into this machine's install, but how to get completion.
    expect(text.split('\n')[0]).toBe('# Editor completion: `npm i -D agentctl-cli`, then make this the first line of the file:')
    expect(text).not.toContain(root)
    expect(text).toContain('`agentctl checks` lists the check ids')
    expect(loadConfig({ file, env: {} }).config.target.url).toBe('http://127.0.0.1:8080')

    writeFileSync(file, 'slo: {p95Ms: 1}\n')
    const again = agentctl(['init'], { cwd: dir })
    expect(again.code).toBe(2)
    expect(again.stderr).toContain('already exists')
    expect(again.stderr).toContain('--force')
    expect(readFileSync(file, 'utf8')).toBe('slo: {p95Ms: 1}\n')

    const forced = agentctl(['init', '--force'], { cwd: dir })
    expect(forced.code).toBe(0)
    expect(readFileSync(file, 'utf8')).toBe(text)

    const elsewhere = agentctl(['init', '--path', 'conf/staging.yaml', '--json'], { cwd: dir })
    expect(elsewhere.code).toBe(0)
    expect(JSON.parse(elsewhere.stdout)).toMatchObject({ path: join(dir, 'conf', 'staging.yaml'), overwritten: false })
  }, 180_000) // five CLI starts; slow only on a loaded machine

  it('report re-renders a saved JSON report to html, xml and md; the exit code follows the verdict', () => {
    const out = (ext: string) => join(work, `load.${ext}`)
    const run = agentctl(['report', fixture('load'), '-o', out('html'), '-o', out('xml'), '-o', out('md')])
    expect(run.code, run.stderr).toBe(0) // a warn verdict passes the default --fail-on fail
    expect(run.stdout).toContain('Max sustainable rate')
    expect(readFileSync(out('html'), 'utf8')).toContain('<svg class="chart"')
    expect(XMLValidator.validate(readFileSync(out('xml'), 'utf8'))).toBe(true)
    expect(readFileSync(out('md'), 'utf8')).toMatch(/^## ⚠️ agentctl load: WARN/)
    expect(agentctl(['report', fixture('load'), '--fail-on', 'warn']).code).toBe(1)
    expect(agentctl(['report', fixture('validate')]).code).toBe(1)
  }, 180_000)

  it('report of an interrupted run shows INTERRUPTED and exits 130 as the run did, never 0', () => {
    const partial = join(work, 'interrupted-report.json')
    writeFileSync(partial, JSON.stringify({ ...JSON.parse(readFileSync(fixture('validate'), 'utf8')), verdict: 'interrupted' }))
    const run = agentctl(['report', partial, '--no-color'])
    expect(run.code, run.stderr).toBe(130)
    expect(run.stdout).toMatch(/verdict INTERRUPTED {2}· {2}partial score/)
  }, 60_000)

  it('report rejects a file that is not a report, naming the problem (exit 2)', () => {
    const bad = join(work, 'bad-report.json')
    writeFileSync(bad, JSON.stringify({ ...JSON.parse(readFileSync(fixture('validate'), 'utf8')), verdict: 'green' }))
    const run = agentctl(['report', bad])
    expect(run.code).toBe(2)
    expect(run.stderr).toContain('verdict')
    expect(run.stderr).not.toMatch(/\n\s+at /) // a message, not a stack trace
    const notJson = join(work, 'report.html')
    writeFileSync(notJson, '<html>')
    expect(agentctl(['report', notJson]).stderr).toContain('is not JSON')
    expect(agentctl(['report', fixture('validate'), '-o', join(work, 'x.pdf')]).code).toBe(2)
  }, 180_000)

  it('--json prints a report that parses and validates', () => {
    const run = agentctl(['report', fixture('demo'), '--json'])
    expect(run.code).toBe(1)
    const report = JSON.parse(run.stdout)
    expect(parseReport(report).ok).toBe(true)
    expect(report.sections).toHaveLength(3)
  })

  it('a malformed config exits 2 naming the key path and the fix', () => {
    const file = join(work, 'typo.yaml')
    writeFileSync(file, 'target:\n  url: http://127.0.0.1:1\nslo:\n  p95ms: 5000\n')
    const run = agentctl(['diagnose', '-c', file])
    expect(run.code).toBe(2)
    expect(run.stderr).toContain('slo.p95ms')
    expect(run.stderr).toContain('did you mean "p95Ms"?')
    expect(run.stderr).not.toMatch(/\n\s+at /)
  })

  it('writes the Markdown summary to $GITHUB_STEP_SUMMARY', () => {
    const summary = join(work, 'step-summary.md')
    const env: NodeJS.ProcessEnv = { ...process.env, GITHUB_STEP_SUMMARY: summary }
    const run = spawnSync(process.execPath, [bin, 'report', fixture('diagnose')], { cwd: work, env, encoding: 'utf8' })
    expect(run.status).toBe(1)
    expect(readFileSync(summary, 'utf8')).toMatch(/^## ❌ agentctl diagnose: FAIL/)
  })
})
