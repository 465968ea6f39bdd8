import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { type Check, type CheckOutcome, defineCheck } from './check.js'
import { ConfigSchema } from './config/schema.js'
import { CheckOptionsError, declaredOptions, runChecks, selectChecks } from './runner.js'
import { sleep } from './sleep.js'

function check(id: string, run: Check['run'], extra: Partial<Check> = {}): Check {
  return { id, category: 'dependencies', title: id, description: id, appliesTo: ['validate', 'diagnose'], severity: 'fail', run, ...extra }
}

const config = (checks: Record<string, 'off' | 'warn' | 'fail'> = {}) => ConfigSchema.parse({ checks })
const pass = (message = 'ok'): CheckOutcome => ({ status: 'pass', message })

describe('runChecks', () => {
  it('runs checks concurrently: total time is about the slowest check', async () => {
    const checks = [200, 250, 300].map((ms) => check(`slow-${ms}`, async (ctx) => (await sleep(ms, ctx.signal), pass())))
    const started = performance.now()
    const findings = await runChecks(checks, { mode: 'validate', config: config(), timeoutMs: 2000 })
    const elapsed = performance.now() - started
    expect(findings.map((f) => f.status)).toEqual(['pass', 'pass', 'pass'])
    expect(elapsed).toBeGreaterThanOrEqual(295)
    expect(elapsed).toBeLessThan(700) // sequential would be 750 ms
  })

  it('turns an overrun into an error finding and aborts the check’s signal', async () => {
    let aborted = false
    const hang = check('hangs', (ctx) => new Promise(() => ctx.signal.addEventListener('abort', () => (aborted = true))))
    const started = performance.now()
    const [finding] = await runChecks([hang], { mode: 'diagnose', config: config(), timeoutMs: 100 })
    expect(performance.now() - started).toBeLessThan(1000)
    expect(finding).toMatchObject({ checkId: 'hangs', status: 'error', evidence: { timeoutMs: 100 } })
    expect(finding!.message).toMatch(/100ms/)
    expect(finding!.remediation).not.toBe('')
    expect(aborted).toBe(true)
  })

  it('turns a throw (sync or async) into an error finding, never a crash', async () => {
    const findings = await runChecks(
      [
        check('throws-sync', () => {
          throw new TypeError('boom')
        }),
        check('rejects', async () => {
          throw new Error('bad')
        }),
        check('fine', async () => pass()),
      ],
      { mode: 'validate', config: config(), timeoutMs: 1000 },
    )
    expect(findings.map((f) => [f.checkId, f.status])).toEqual([['throws-sync', 'error'], ['rejects', 'error'], ['fine', 'pass']])
    expect(findings[0]!.message).toContain('boom')
  })

  it('serialises checks that share a lock lane and keeps the catalogue order', async () => {
    const log: string[] = []
    const locked = (id: string) =>
      check(id, async () => (log.push(`start ${id}`), await sleep(60), log.push(`end ${id}`), pass()), { lock: 'mock-llm' })
    const started = performance.now()
    const findings = await runChecks([locked('a'), locked('b'), check('free', async () => (await sleep(60), pass()))], { mode: 'validate', config: config(), timeoutMs: 1000 })
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b'])
    expect(performance.now() - started).toBeGreaterThanOrEqual(115)
    expect(findings.map((f) => f.checkId)).toEqual(['a', 'b', 'free'])
  })

  it('applies severity overrides: off skips, warn downgrades a failure, fail keeps it', async () => {
    let ranOff = false
    const failing = (id: string, severity: 'warn' | 'fail' = 'fail') => check(id, async () => ({ status: 'fail', message: 'bad', remediation: 'fix' }), { severity })
    const findings = await runChecks(
      [
        check('disabled', async () => ((ranOff = true), pass())),
        failing('downgraded'),
        failing('upgraded', 'warn'),
        failing('default-warn', 'warn'),
      ],
      { mode: 'validate', config: config({ disabled: 'off', downgraded: 'warn', upgraded: 'fail' }), timeoutMs: 1000 },
    )
    expect(ranOff).toBe(false)
    expect(findings.map((f) => [f.checkId, f.status, f.severity])).toEqual([
      ['disabled', 'skip', 'fail'],
      ['downgraded', 'warn', 'warn'],
      ['upgraded', 'fail', 'fail'],
      ['default-warn', 'warn', 'warn'],
    ])
    expect(findings[0]!.message).toContain('checks.disabled: off')
  })

  it('reports checks interrupted by the parent signal as skipped', async () => {
    const controller = new AbortController()
    const waiting = check('waits', async (ctx) => (await sleep(5000, ctx.signal), pass()))
    setTimeout(() => controller.abort(new Error('SIGINT')), 50)
    const [finding] = await runChecks([waiting], { mode: 'diagnose', config: config(), timeoutMs: 10_000, signal: controller.signal })
    expect(finding).toMatchObject({ status: 'skip', message: 'interrupted' })
  })
})

describe('selectChecks', () => {
  const catalogue = [
    check('redis', async () => pass()),
    check('postgres', async () => pass()),
    check('llm-timeout', async () => pass(), { category: 'resilience', appliesTo: ['validate'] }),
    check('pods', async () => pass(), { category: 'resources', appliesTo: ['diagnose'] }),
    check('dual', async () => pass(), { categoryByMode: { diagnose: 'connectivity' } }),
  ]
  const ids = (checks: Check[]) => checks.map((c) => c.id)

  it('keeps the checks of the mode', () => {
    expect(ids(selectChecks(catalogue, { mode: 'validate' }))).toEqual(['redis', 'postgres', 'llm-timeout', 'dual'])
  })
  it('--only by id and by category', () => {
    expect(ids(selectChecks(catalogue, { mode: 'validate', only: ['redis', 'resilience'] }))).toEqual(['redis', 'llm-timeout'])
  })
  it('--skip by id and by category, with the mode’s own category', () => {
    expect(ids(selectChecks(catalogue, { mode: 'diagnose', skip: ['connectivity'] }))).toEqual(['redis', 'postgres', 'pods'])
    expect(ids(selectChecks(catalogue, { mode: 'validate', skip: ['dependencies', 'llm-timeout'] }))).toEqual([])
  })
})

describe('check options', () => {
  const seen: unknown[] = []
  const probe = defineCheck({
    id: 'probe',
    category: 'dependencies',
    title: 'probe',
    description: 'probe',
    appliesTo: ['validate'],
    severity: 'fail',
    options: z.strictObject({ probeRequests: z.number().int().positive().default(300), label: z.string().optional() }),
    async run(ctx) {
      seen.push(ctx.options)
      return pass(`sends ${ctx.options.probeRequests}`) // typed: a number, defaulted
    },
  })
  const plain = check('plain', async (ctx) => (seen.push(ctx.options), pass()))
  const run = (options: Record<string, unknown>) => runChecks([probe, plain], { mode: 'validate', config: config(), timeoutMs: 1000, options })

  it('each check receives its own declared options, with defaults applied', async () => {
    seen.length = 0
    const findings = await run({})
    expect(findings[0]!.message).toBe('sends 300')
    await run({ probeRequests: 5 })
    expect(seen).toEqual([{ probeRequests: 300 }, {}, { probeRequests: 5 }, {}])
  })

  it('an option no check of the run declares is an error, before anything runs (a typo is never ignored)', async () => {
    seen.length = 0
    await expect(run({ probeRequest: 5 })).rejects.toThrow(CheckOptionsError)
    await expect(run({ probeRequest: 5 })).rejects.toThrow(/unknown check option "probeRequest".*declared: probeRequests, label/)
    expect(seen).toEqual([])
  })

  it('a value the schema refuses is an error naming the check and the option', async () => {
    await expect(run({ probeRequests: -1 })).rejects.toThrow(/invalid options for probe: probeRequests/)
  })

  it('declaredOptions keeps only what the selected checks declare', () => {
    expect(declaredOptions([probe, plain], { probeRequests: 5, maxRecoveryMs: 1 })).toEqual({ probeRequests: 5 })
  })
})
