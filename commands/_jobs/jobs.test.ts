import { describe, expect, it } from 'vitest'
import { catalogue } from '../../checks/index.js'
import type { CheckMode } from '../../src/check.js'
import type { DiagnoseOptions } from './diagnose.js'
import type { ValidateOptions } from './validate.js'

// Every setting a job passes to its checks is declared by at least one check of that job: a job
// cannot carry a dead option (the runner drops what the selected checks do not declare).
const JOB_OPTIONS: Record<CheckMode, string[]> = {
  validate: Object.keys({ maxRecoveryMs: 0, repeat: 0, minPassRate: 0, configFile: '', self: false } satisfies Required<ValidateOptions>),
  diagnose: Object.keys({ windowMs: 0 } satisfies Required<DiagnoseOptions>),
}

describe('job options', () => {
  it.each(Object.entries(JOB_OPTIONS))('every %s option is declared by one of its checks', (mode, keys) => {
    const declared = new Set(catalogue.filter((c) => c.appliesTo.includes(mode as CheckMode)).flatMap((c) => Object.keys(c.options?.shape ?? {})))
    expect(keys.filter((k) => !declared.has(k))).toEqual([])
  })
})

describe('selectOrThrow', () => {
  const error = async (only: string[], skip: string[] = []) => {
    const { selectOrThrow } = await import('./select.js')
    try {
      selectOrThrow('diagnose', only, skip)
    } catch (e) {
      return e as { message: string; hint?: string; exitCode: number }
    }
    throw new Error('expected an error')
  }
  it('names only the flags given and suggests the nearest category for a typo', async () => {
    const e = await error(['conectivity'])
    expect(e.message).toBe('no diagnose check matches --only conectivity')
    expect(e.hint).toMatch(/^did you mean connectivity \(not conectivity\)\?/)
    expect(e.exitCode).toBe(2)
  })
  it('suggests the nearest check id too, and shows --skip only when given', async () => {
    const e = await error(['rediss'], ['cost'])
    expect(e.message).toBe('no diagnose check matches --only rediss --skip cost')
    expect(e.hint).toContain('did you mean redis (not rediss)?')
  })
})

describe('a job cut short by Ctrl-C', () => {
  it.each(['validate', 'diagnose'] as const)('%s: the report is "interrupted", never pass', async (mode) => {
    const { ConfigSchema } = await import('../../src/config/schema.js')
    const { runDiagnose } = await import('./diagnose.js')
    const { runValidate } = await import('./validate.js')
    const controller = new AbortController()
    const passes = { id: 'passes', category: 'config', title: 't', description: 'd', appliesTo: [mode], severity: 'fail', run: async () => ({ status: 'pass', message: 'ok' }) } as const
    const waits = { ...passes, id: 'waits', run: () => new Promise<never>((_resolve, reject) => controller.signal.addEventListener('abort', () => reject(new Error('aborted')))) }
    setTimeout(() => controller.abort(new Error('SIGINT')), 20)
    const job = { config: ConfigSchema.parse({}), checks: [passes, waits], timeoutMs: 5000, version: '0', target: 't', signal: controller.signal }
    const report = mode === 'diagnose' ? await runDiagnose({ ...job, options: { windowMs: 1000 } }) : await runValidate({ ...job, options: { maxRecoveryMs: 1000, repeat: 1, minPassRate: 1, self: false } })
    expect(report.verdict).toBe('interrupted')
    expect(report.findings.map((f) => f.status)).toEqual(['pass', 'skip'])
  })
})
