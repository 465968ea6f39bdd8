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
