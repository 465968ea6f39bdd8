/**
 * The package as users get it: `npm pack` from a clean copy of the sources (no dist/: prepack must
 * build it), installed from the tarball into a scratch project, then used the way the README
 * says: `npx agentctl --version`, `agentctl validate --self --only config`, `agentctl init`, and
 * the README's harness example run by vitest importing `agentctl-cli/harness`.
 * Slow (a full build and a dependency install from the npm registry's cache or network).
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PACKAGE_NAME, packageRoot } from '../../src/paths.js'

const root = packageRoot()
const work = mkdtempSync(join(tmpdir(), 'agentctl-pack-'))
const project = join(work, 'project')
// npm, npx and the package's bin run on this Node (>= 22.19), as `npx` would in the user's project.
const env: NodeJS.ProcessEnv = { ...process.env, PATH: [dirname(process.execPath), join(root, 'node_modules', '.bin'), process.env.PATH].join(delimiter), NO_COLOR: '1', npm_config_update_notifier: 'false' }
delete env.GITHUB_STEP_SUMMARY
let files: string[] = []

function run(cmd: string, args: string[], cwd: string, timeout = 300_000) {
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout })
  return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', output: `${r.stdout}\n${r.stderr}` }
}

beforeAll(() => {
  // A clean copy: what git tracks (and new files not ignored), without dist/ or node_modules.
  const src = join(work, 'src')
  const tracked = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: root, encoding: 'utf8' }).split('\0').filter((f) => f && existsSync(join(root, f)))
  for (const file of tracked) cpSync(join(root, file), join(src, file))
  symlinkSync(join(root, 'node_modules'), join(src, 'node_modules'), 'dir')
  const pack = run('npm', ['pack', '--pack-destination', work], src)
  expect(pack.code, pack.output).toBe(0)
  const tarball = join(work, `${PACKAGE_NAME}-${JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version}.tgz`)
  files = execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' }).split('\n').filter(Boolean).map((f) => f.replace(/^package\//, ''))

  mkdirSync(project)
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'scratch', private: true, type: 'module' }))
  const install = run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], project, 540_000)
  expect(install.code, install.output).toBe(0)
}, 600_000)
// A tree of ~300 installed packages: removing it can take a while on a busy machine.
afterAll(() => rmSync(work, { recursive: true, force: true }), 300_000)

describe(`the ${PACKAGE_NAME} package`, () => {
  it('ships the built dist/, the schemas, the check READMEs and the LICENSE, and no test files', () => {
    for (const f of ['dist/src/index.js', 'dist/harness/index.js', 'dist/commands/validate.js', 'dist/agent/index.js', 'oclif.manifest.json', 'bin/run.js', 'schemas/agentctl.schema.json', 'checks/circuit-breaker/README.md', 'LICENSE', 'README.md']) {
      expect(files, f).toContain(f)
    }
    expect(files.filter((f) => /\.test\.|^test\/|^bench\//.test(f))).toEqual([])
  })

  it('ships no orphan source map: every map carries its sources', () => {
    const maps = files.filter((f) => f.endsWith('.map'))
    expect(maps.length).toBeGreaterThan(100)
    for (const map of maps) {
      const parsed = JSON.parse(readFileSync(join(project, 'node_modules', PACKAGE_NAME, map), 'utf8')) as { sources: string[]; sourcesContent?: Array<string | null> }
      expect(parsed.sourcesContent?.length, map).toBe(parsed.sources.length)
      expect(parsed.sourcesContent!.every((s) => typeof s === 'string' && s.length > 0), map).toBe(true)
    }
  })

  it('npx agentctl --version', () => {
    const r = run('npx', ['--no-install', 'agentctl', '--version'], project)
    expect(r.code, r.output).toBe(0)
    expect(r.stdout).toMatch(new RegExp(`^${PACKAGE_NAME}/\\d+\\.\\d+\\.\\d+ `))
  })

  it('agentctl validate --self --only config passes (the bundled agent starts from the install)', () => {
    const r = run('npx', ['--no-install', 'agentctl', 'validate', '--self', '--only', 'config', '--json'], project)
    expect(r.code, r.output).toBe(0)
    const report = JSON.parse(r.stdout) as { verdict: string; findings: Array<{ checkId: string; status: string }> }
    expect(report.verdict).toBe('pass')
    expect(report.findings.find((f) => f.checkId === 'agentctl-config')?.status).toBe('pass')
  }, 240_000)

  it(`exports ${PACKAGE_NAME}, /harness and /agent, and nothing unlisted`, () => {
    const script = `const h = await import('${PACKAGE_NAME}/harness'); const a = await import('${PACKAGE_NAME}/agent'); const m = await import('${PACKAGE_NAME}');
      console.log(typeof h.createMockLlm, typeof h.startMockLlmServer, typeof a.startAgent, Object.keys(m).length > 0)
      try { await import('${PACKAGE_NAME}/dist/src/paths.js'); console.log('unlisted path imported') } catch (e) { console.log(e.code) }`
    const r = run(process.execPath, ['--input-type=module', '-e', script], project)
    expect(r.code, r.output).toBe(0)
    expect(r.stdout.trim().split('\n')).toEqual(['function function function true', 'ERR_PACKAGE_PATH_NOT_EXPORTED'])
  })

  it('agentctl init points editors at the installed schema by a relative path', () => {
    const r = run('npx', ['--no-install', 'agentctl', 'init'], project)
    expect(r.code, r.output).toBe(0)
    const first = readFileSync(join(project, 'agentctl.yaml'), 'utf8').split('\n')[0]
    expect(first).toBe(`# yaml-language-server: $schema=node_modules/${PACKAGE_NAME}/schemas/agentctl.schema.json`)
    expect(existsSync(join(project, 'node_modules', PACKAGE_NAME, 'schemas', 'agentctl.schema.json'))).toBe(true)
  })

  it(`the README's harness example runs in vitest, importing ${PACKAGE_NAME}/harness`, () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8')
    const example = /## The harness for your own tests[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)?.[1]
    expect(example).toContain(`from '${PACKAGE_NAME}/harness'`)
    writeFileSync(join(project, 'harness.test.ts'), example!)
    // The test runner and the OpenAI SDK are the user's own dev dependencies; link this repo's.
    for (const dep of ['vitest', 'openai']) symlinkSync(join(root, 'node_modules', dep), join(project, 'node_modules', dep), 'dir')
    const r = run(process.execPath, [join(project, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--root', project, 'harness.test.ts'], project, 120_000)
    expect(r.code, r.output).toBe(0)
    expect(r.output).toMatch(/1 passed/)
  }, 120_000)
})
