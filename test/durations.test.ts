/**
 * Every duration flag, through the built CLI: a bare number is exit 2 with "did you mean …s?", before
 * any check runs or any server starts (src/duration.ts; docs in README "Config reference").
 * Needs dist/ (npm test builds it in pretest).
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { packageRoot } from '../src/paths.js'

const bin = join(packageRoot(), 'bin', 'run.js')
const work = mkdtempSync(join(tmpdir(), 'agentctl-durations-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

function agentctl(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [bin, ...args], { cwd: work, env: { ...process.env, NO_COLOR: '1' } })
  let stderr = ''
  child.stdout.resume()
  child.stderr.on('data', (chunk) => (stderr += chunk))
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stderr })))
}

describe('a bare number on any duration flag is refused with the fix', () => {
  it.each([
    [['diagnose', '--timeout', '5'], '--timeout', '5s'],
    [['diagnose', '--window', '15'], '--window', '15s'],
    [['diagnose', '--watch', '10'], '--watch', '10s'],
    [['validate', '--only', 'config', '--timeout', '30'], '--timeout', '30s'],
    [['validate', '--only', 'config', '--max-recovery', '60'], '--max-recovery', '60s'],
    [['load', '--duration', '30'], '--duration', '30s'],
    [['load', '--warmup', '3'], '--warmup', '3s'],
    [['load', '--timeout', '60'], '--timeout', '60s'],
    [['load', '--find-capacity', '--step-duration', '10'], '--step-duration', '10s'],
    [['load', '--mock-llm', 'latency=800..2s'], '--mock-llm latency', '800ms or 800s'],
    [['mock-llm', '--latency', '50'], '--latency', '50s'],
  ])('agentctl %j', async (args, flag, suggestion) => {
    const { code, stderr } = await agentctl(args)
    expect(stderr).toContain(`invalid ${flag} "`)
    expect(stderr).toContain(`did you mean ${suggestion}?`)
    expect(code).toBe(2)
  })
})

describe('a zero where a duration must be positive is refused, naming the flag (or key)', () => {
  it.each([
    [['diagnose', '--timeout', '0'], '--timeout'],
    [['diagnose', '--timeout', '0s'], '--timeout'],
    [['diagnose', '--window', '0ms'], '--window'],
    [['diagnose', '--watch', '0s'], '--watch'],
    [['validate', '--only', 'config', '--timeout', '0'], '--timeout'],
    [['validate', '--only', 'config', '--max-recovery', '0s'], '--max-recovery'],
    [['load', '--duration', '0s'], '--duration'],
    [['load', '--timeout', '0'], '--timeout'],
    [['load', '--find-capacity', '--step-duration', '0s'], '--step-duration'],
  ])('agentctl %j', async (args, flag) => {
    const { code, stderr } = await agentctl(args)
    expect(stderr).toMatch(new RegExp(`${flag}[" ].*(must be longer than 0|greater than 0)`))
    expect(stderr).not.toContain('did not finish within')
    expect(code).toBe(2)
  })

  it('a zero diagnose.timeout in the config names the key', async () => {
    const { writeFileSync } = await import('node:fs')
    writeFileSync(join(work, 'zero.yaml'), 'diagnose:\n  timeout: 0s\n')
    const { code, stderr } = await agentctl(['diagnose', '-c', 'zero.yaml'])
    expect(stderr).toContain('invalid diagnose.timeout "0s": must be longer than 0')
    expect(code).toBe(2)
  })
})
