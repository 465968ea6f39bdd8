import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { agentctl, assertBuilt } from './load/cli.js'

// A mistyped flag gets one line naming the nearest flag (exit 2), not oclif's full usage.
const work = mkdtempSync(join(tmpdir(), 'agentctl-flag-typo-'))
beforeAll(() => assertBuilt())
afterAll(() => rmSync(work, { recursive: true, force: true }))

describe('a mistyped flag', () => {
  it.each([
    [['validate', '--taget', 'http://127.0.0.1:1'], '--taget', 'did you mean --target?'],
    [['load', '--rat', '5'], '--rat', 'did you mean --rate?'],
    [['diagnose', '--zzzzzz'], '--zzzzzz', '`agentctl diagnose --help` lists the flags'],
    [['demo', '--out', 'x'], '--out', 'did you mean --out-dir?'],
  ])('%j: exit 2, names the flag and the nearest one', async (args, flag, fix) => {
    const { code, stderr } = await agentctl(args, { cwd: work }).done
    expect(code).toBe(2)
    expect(stderr).toContain(`agentctl: unknown flag ${flag}\n  fix: `)
    expect(stderr).toContain(fix)
    expect(stderr).not.toMatch(/USAGE/) // not the whole help
  })
})
