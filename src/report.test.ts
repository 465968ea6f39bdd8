import { describe, expect, it } from 'vitest'
import { buildReport, deriveScore, deriveVerdict, gateFails, type Finding, type Status, worse } from './report.js'
import { scoreText } from '../reports/format.js'

const finding = (status: Status, checkId = `c-${status}`): Finding => ({
  checkId,
  category: 'config',
  title: checkId,
  status,
  severity: 'fail',
  message: status,
  evidence: {},
  remediation: '',
  durationMs: 1,
})

describe('deriveVerdict', () => {
  it('is pass with no findings or only passes and skips', () => {
    expect(deriveVerdict([])).toBe('pass')
    expect(deriveVerdict([finding('pass'), finding('skip')])).toBe('pass')
  })
  it('is warn when every check skipped: nothing was judged, and a gate must not read it as a pass', () => {
    expect(deriveVerdict([finding('skip'), finding('skip', 'other')])).toBe('warn')
    const report = buildReport({ command: 'diagnose', version: '0', startedAt: new Date(), target: 't', findings: [finding('skip')] })
    expect(report.verdict).toBe('warn')
    expect(scoreText(report)).toBe('no score: every check skipped, nothing was judged')
    expect(scoreText(buildReport({ command: 'diagnose', version: '0', startedAt: new Date(), target: 't', findings: [finding('skip'), finding('pass')] }))).toBe('score 100/100')
  })
  it('is warn when the worst is a warning', () => {
    expect(deriveVerdict([finding('pass'), finding('warn')])).toBe('warn')
  })
  it('is fail on a failure or an error (a check that could not decide gates like a failure)', () => {
    expect(deriveVerdict([finding('warn'), finding('fail')])).toBe('fail')
    expect(deriveVerdict([finding('pass'), finding('error')])).toBe('fail')
  })
})

describe('deriveScore', () => {
  it('is 100 when nothing counted', () => {
    expect(deriveScore([])).toBe(100)
    expect(deriveScore([finding('skip')])).toBe(100)
  })
  it('weighs pass 1, warn 0.5, fail and error 0, and ignores skips', () => {
    expect(deriveScore([finding('pass'), finding('warn')])).toBe(75)
    expect(deriveScore([finding('pass'), finding('fail'), finding('error'), finding('skip')])).toBe(33)
    expect(deriveScore([finding('fail')])).toBe(0)
  })
})

describe('buildReport', () => {
  it('derives verdict and score from its own and its sections’ findings', () => {
    const section = buildReport({ command: 'validate', version: '1', startedAt: new Date(), target: 't', findings: [finding('fail')] })
    const combined = buildReport({ command: 'demo', version: '1', startedAt: new Date(), target: 't', findings: [finding('pass')], sections: [section] })
    expect(combined.verdict).toBe('fail')
    expect(combined.score).toBe(50)
    expect(combined.sections).toHaveLength(1)
  })
  it('lets forceVerdict make the verdict worse but never better', () => {
    const passing = [finding('pass')]
    expect(buildReport({ command: 'load', version: '1', startedAt: new Date(), target: 't', findings: passing, forceVerdict: 'fail' }).verdict).toBe('fail')
    expect(buildReport({ command: 'load', version: '1', startedAt: new Date(), target: 't', findings: [finding('fail')], forceVerdict: 'pass' }).verdict).toBe('fail')
  })
  it('gives an interrupted run the verdict "interrupted", never pass, and a demo holding one is interrupted too', () => {
    const partial = buildReport({ command: 'validate', version: '1', startedAt: new Date(), target: 't', findings: [finding('pass')], interrupted: true })
    expect(partial.verdict).toBe('interrupted')
    expect(gateFails(partial.verdict, 'fail')).toBe(true)
    expect(buildReport({ command: 'demo', version: '1', startedAt: new Date(), target: 't', findings: [], sections: [partial] }).verdict).toBe('interrupted')
  })
})

describe('gateFails and worse', () => {
  it('fails the gate at or above --fail-on', () => {
    expect(gateFails('fail', 'fail')).toBe(true)
    expect(gateFails('warn', 'fail')).toBe(false)
    expect(gateFails('warn', 'warn')).toBe(true)
    expect(gateFails('pass', 'warn')).toBe(false)
  })
  it('orders verdicts pass < warn < fail', () => {
    expect(worse('pass', 'warn')).toBe('warn')
    expect(worse('fail', 'warn')).toBe('fail')
  })
})
