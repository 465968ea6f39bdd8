/**
 * oclif conventions users expect from a CLI they know: did-you-mean for a typo, -h, `help <command>`,
 * the space topic separator in every message, `-o -` with an explicit --format, and `agentctl
 * checks` listing the catalogue. Through the built CLI (npm test builds dist/ first).
 */
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { catalogue } from '../checks/index.js'
import { packageRoot } from '../src/paths.js'
import { sarifValidator } from './support/sarif-validator.js'

const root = packageRoot()
const work = mkdtempSync(join(tmpdir(), 'agentctl-conventions-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

function agentctl(...args: string[]) {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', COLUMNS: '100' }
  delete env.GITHUB_STEP_SUMMARY
  const run = spawnSync(process.execPath, [join(root, 'bin', 'run.js'), ...args], { cwd: work, env, encoding: 'utf8', timeout: 60_000 })
  return { code: run.status, stdout: run.stdout, stderr: run.stderr }
}

describe('oclif conventions', () => {
  it.each([
    [['valdate'], '`agentctl valdate` is not a command; did you mean `agentctl validate`?'],
    [['agent', 'stat'], 'did you mean `agentctl agent start`? run `agentctl help agent`'],
  ])('%j: a typo suggests the command (exit 2, space separator)', (args, expected) => {
    const run = agentctl(...args)
    expect(run.code).toBe(2)
    expect(run.stderr).toContain(expected)
    expect(run.stderr).not.toMatch(/agent:st/)
  })

  // At a terminal @oclif/plugin-not-found asks, and runs the suggestion on yes. script(1) gives the CLI a pty.
  const hasScript = spawnSync('script', ['--version']).status === 0
  it.skipIf(!hasScript).each([
    ['y', 0, /VALIDATE \(\d+ checks\)/],
    ['n', 2, /No/],
  ])('at a terminal, a typo asks "Did you mean checks?"; answering %s exits %i', async (answer, code, output) => {
    const child = spawn('script', ['-qec', `${process.execPath} ${join(root, 'bin', 'run.js')} chekcs`, '/dev/null'], { cwd: work, env: { ...process.env, NO_COLOR: '1' } })
    let out = ''
    let answered = false
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString()
      if (!answered && /Did you mean .*checks.*\?/.test(out)) ((answered = true), child.stdin.write(`${answer}\r`))
    })
    const exit = await new Promise<number | null>((resolve) => child.on('close', resolve))
    expect(answered, out).toBe(true)
    expect(exit, out).toBe(code)
    expect(out).toMatch(output)
  }, 60_000)

  it('-h and `help <command>` print the command help, like --help', () => {
    const long = agentctl('validate', '--help')
    expect(long.code).toBe(0)
    expect(agentctl('validate', '-h')).toMatchObject({ code: 0, stdout: long.stdout })
    expect(agentctl('help', 'validate')).toMatchObject({ code: 0, stdout: long.stdout })
    expect(agentctl('help', 'agent', 'start')).toMatchObject({ code: 0, stdout: agentctl('agent', 'start', '--help').stdout })
    expect(agentctl('help').stdout).toBe(agentctl('--help').stdout)
    const typo = agentctl('help', 'valdate')
    expect(typo.code).toBe(2)
    expect(typo.stderr).toContain('did you mean `agentctl help validate`?')
  })

  it('help shows topics with a space, never a colon', () => {
    for (const args of [['--help'], ['agent', '--help'], ['help', 'agent', 'start']]) expect(agentctl(...args).stdout).not.toMatch(/agent:start/)
  })

  it('-o - writes the report to stdout in the --format given, and only that', () => {
    const run = agentctl('report', join(root, 'fixtures', 'reports', 'validate.json'), '-o', '-', '--format', 'sarif')
    expect(run.code).toBe(1) // the fixture's verdict is fail
    const validate = sarifValidator()
    expect(validate(JSON.parse(run.stdout)), JSON.stringify(validate.errors)).toBe(true)
  })

  it.each([
    [['-o', '-'], 'in which format?', 'add --format json|html|junit|markdown|sarif'],
    [['--format', 'json'], '--format json names the format of -o - (stdout)', 'add -o -'],
    [['-o', '-', '-o', '-', '--format', 'json'], '-o - is given twice', 'write the other formats to files'],
  ])('%j is a usage error naming the fix (exit 2)', (args, problem, fix) => {
    const run = agentctl('report', join(root, 'fixtures', 'reports', 'validate.json'), ...args)
    expect(run.code).toBe(2)
    expect(run.stderr).toContain(problem)
    expect(run.stderr).toContain(fix)
  })

  it('`agentctl checks` lists every check id with its category and summary; --json for tools', () => {
    const text = agentctl('checks')
    expect(text.code).toBe(0)
    for (const c of catalogue) expect(text.stdout).toMatch(new RegExp(`^    ${c.id}\\s+(fail|warn)\\s+\\S`, 'm'))
    const json = JSON.parse(agentctl('checks', 'diagnose', '--json').stdout) as Array<{ id: string; categories: Record<string, string>; summary: string }>
    expect(json.map((c) => c.id).sort()).toEqual(catalogue.filter((c) => c.appliesTo.includes('diagnose')).map((c) => c.id).sort())
    expect(json.find((c) => c.id === 'agent-health')!.categories).toEqual({ validate: 'dependencies', diagnose: 'connectivity' })
    expect(agentctl('checks', 'bogus').code).toBe(2)
  })
})
