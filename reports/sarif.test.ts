import { describe, expect, it } from 'vitest'
import type { Log } from 'sarif'
import { allSampleReports, makeFinding, makeReport } from '../test/support/report-samples.js'
import { sarifValidator } from '../test/support/sarif-validator.js'
import { formatFromPath, renderReport } from './index.js'

const validate = sarifValidator()
const sarif = (report: Parameters<typeof renderReport>[0], docs = {}) => JSON.parse(renderReport(report, 'sarif', { checkDocs: docs })) as Log

describe('SARIF 2.1.0', () => {
  it('the schema check is not vacuous: a wrong level or a missing message is refused', () => {
    const log = sarif(makeReport({ findings: [makeFinding({ status: 'fail' })] }))
    expect(validate(log)).toBe(true)
    expect(validate({ ...log, runs: [{ ...log.runs[0], results: [{ ...log.runs[0]!.results![0], level: 'fatal' }] }] })).toBe(false)
    expect(validate({ ...log, runs: [{ ...log.runs[0], results: [{ ruleId: 'x' }] }] })).toBe(false)
  })

  it('an interrupted run is an unsuccessful invocation (exit 130), and still valid SARIF', () => {
    const log = sarif(makeReport({ command: 'demo', verdict: 'interrupted', findings: [], sections: [makeReport({ verdict: 'pass' })] }))
    expect(validate(log)).toBe(true)
    expect(log.runs[0]!.invocations![0]).toMatchObject({ executionSuccessful: false, exitCode: 130 })
    expect(sarif(makeReport()).runs[0]!.invocations![0]!.executionSuccessful).toBe(true)
  })

  it('.sarif is the SARIF format', () => expect(formatFromPath('out/agentctl.sarif')).toBe('sarif'))

  it.each(Object.entries(allSampleReports()))('%s validates against the SARIF 2.1.0 schema, one result per non-pass finding', (_name, report) => {
    const log = sarif(report)
    expect(validate(log), JSON.stringify(validate.errors, null, 2)).toBe(true)
    const jobs = report.sections?.length ? report.sections : [report]
    expect(log.runs).toHaveLength(jobs.length)
    jobs.forEach((job, i) => {
      const run = log.runs[i]!
      // Only a combined report names its runs: otherwise the uploader's category applies.
      expect(run.automationDetails?.id).toBe(jobs.length > 1 ? `agentctl/${job.command}/` : undefined)
      expect(run.results).toHaveLength(job.findings.filter((f) => f.status !== 'pass').length)
      expect(run.tool.driver.rules?.map((r) => r.id)).toEqual([...new Set(job.findings.map((f) => f.checkId))])
    })
  })

  it('levels follow status and severity; an unjudged check says so; a skip is not applicable', () => {
    const findings = [
      makeFinding({ checkId: 'a-fail', status: 'fail', severity: 'fail', message: 'broken', remediation: 'fix it' }),
      makeFinding({ checkId: 'b-warn', status: 'warn', severity: 'fail' }),
      makeFinding({ checkId: 'c-demoted', status: 'warn', severity: 'warn' }),
      makeFinding({ checkId: 'd-error', status: 'error', severity: 'fail', message: 'timed out' }),
      makeFinding({ checkId: 'e-skip', status: 'skip' }),
      makeFinding({ checkId: 'f-pass', status: 'pass' }),
    ]
    const results = sarif(makeReport({ findings })).runs[0]!.results!
    expect(results.map((r) => [r.ruleId, r.kind, r.level])).toEqual([
      ['a-fail', 'fail', 'error'],
      ['b-warn', 'fail', 'warning'],
      ['c-demoted', 'fail', 'warning'],
      ['d-error', 'fail', 'error'],
      ['e-skip', 'notApplicable', 'none'],
    ])
    expect(results[0]!.message.text).toBe('Redis reachable: broken\nRemediation: fix it')
    expect(results[3]!.message.text).toContain('could not judge: timed out')
  })

  it('a finding with a location points at its file, line and config key; one without has none', () => {
    const findings = [
      makeFinding({ checkId: 'manifest-probes', status: 'fail', location: { file: 'deploy/my app.yaml', line: 12 } }),
      makeFinding({ checkId: 'agentctl-config', status: 'warn', location: { file: 'agentctl.yaml', line: 30, key: 'slo.errorRate' } }),
      makeFinding({ checkId: 'circuit-breaker', status: 'fail' }),
    ]
    const [manifest, config, agent] = sarif(makeReport({ findings })).runs[0]!.results!
    expect(manifest!.locations).toEqual([{ physicalLocation: { artifactLocation: { uri: 'deploy/my%20app.yaml', index: 0 }, region: { startLine: 12 } } }])
    expect(config!.locations![0]!.logicalLocations).toEqual([{ fullyQualifiedName: 'slo.errorRate', kind: 'member' }])
    expect(config!.locations![0]!.physicalLocation!.region).toEqual({ startLine: 30 })
    expect(agent!.locations).toBeUndefined()
  })

  it('a finding without a location points at where the target is declared, when the caller knows', () => {
    const findings = [makeFinding({ checkId: 'circuit-breaker', status: 'fail' }), makeFinding({ checkId: 'agentctl-config', status: 'warn', location: { file: 'agentctl.yaml', line: 9, key: 'slo.p95Ms' } })]
    const log = JSON.parse(renderReport(makeReport({ findings }), 'sarif', { sarifTargetLocation: { file: 'ci/agentctl.yaml', line: 3, key: 'target.url' } })) as Log
    expect(validate(log)).toBe(true)
    const [agent, config] = log.runs[0]!.results!
    expect(agent!.locations).toEqual([
      {
        physicalLocation: { artifactLocation: { uri: 'ci/agentctl.yaml', index: 0 }, region: { startLine: 3 } },
        logicalLocations: [{ fullyQualifiedName: 'target.url', kind: 'member' }],
        message: { text: 'the agent under test, declared here' },
      },
    ])
    expect(config!.locations![0]!.physicalLocation!.region).toEqual({ startLine: 9 })
  })

  it("a rule's help is the check's README", () => {
    const log = sarif(makeReport({ findings: [makeFinding({ status: 'fail' })] }), { redis: { title: 'Redis reachable', description: 'PING answers', readme: '# redis\n\nPINGs it.' } })
    const rule = log.runs[0]!.tool.driver.rules![0]!
    expect(rule.help).toEqual({ text: '# redis\n\nPINGs it.', markdown: '# redis\n\nPINGs it.' })
    expect(rule.fullDescription?.text).toBe('PING answers')
    expect(rule.defaultConfiguration?.level).toBe('error')
  })

  it('redacts secrets like every other format', () => {
    const out = renderReport(makeReport({ findings: [makeFinding({ status: 'fail', message: 'auth failed for postgres://u:hunter2secret@db/x' })] }), 'sarif')
    expect(out).not.toContain('hunter2secret')
  })
})
