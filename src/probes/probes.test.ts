import { describe, expect, it } from 'vitest'
import type { Finding } from '../report.js'
import { ProbeTimeoutError, probeBudgetMs, withDeadline } from './deadline.js'
import { displayUrl } from './endpoint.js'
import { classifyNetError } from './errors.js'
import { diffFindings, formatChanges } from './report-diff.js'

const err = (message: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(message), extra)

describe('classifyNetError', () => {
  it.each([
    [err('connect ECONNREFUSED 127.0.0.1:1', { code: 'ECONNREFUSED' }), 'refused'],
    [err('fetch failed', { cause: err('getaddrinfo ENOTFOUND x.invalid', { code: 'ENOTFOUND' }) }), 'dns'],
    [new AggregateError([err('connect ECONNREFUSED ::1:80', { code: 'ECONNREFUSED' })], 'fetch failed'), 'refused'],
    [err('NOAUTH Authentication required.'), 'auth'],
    [err('password authentication failed for user "x"', { code: '28P01' }), 'auth'],
    [err('Unknown RESP type 72 "H". Please report this.'), 'protocol'],
    [err('Connection terminated unexpectedly'), 'reset'],
    [err('read ECONNRESET', { code: 'ECONNRESET' }), 'reset'],
    [err('self-signed certificate', { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }), 'tls'],
    [new ProbeTimeoutError(100), 'timeout'],
    [err('connect EHOSTUNREACH 10.0.0.1:80', { code: 'EHOSTUNREACH' }), 'unreachable'],
    [err('something odd'), 'unknown'],
  ])('%s → %s', (error, kind) => {
    expect(classifyNetError(error).kind).toBe(kind)
  })

  it('a stall after the server sent bytes is the wrong protocol, not a timeout', () => {
    expect(classifyNetError(err('timeout expired'), { bytesReceived: 12 }).kind).toBe('protocol')
    expect(classifyNetError(err('timeout expired'), { bytesReceived: 0 }).kind).toBe('timeout')
  })

  it('redacts secrets from the detail', () => {
    expect(classifyNetError(err('failed for redis://:hunter2-pass@h:6379')).detail).not.toContain('hunter2-pass')
  })
})

describe('deadlines', () => {
  it('probe budget stays strictly below the check budget and shrinks with time already spent', () => {
    expect(probeBudgetMs(5000)).toBe(4750)
    expect(probeBudgetMs(500)).toBe(460)
    expect(probeBudgetMs({ timeoutMs: 500, startedAt: performance.now() - 200 })).toBeLessThanOrEqual(260)
  })

  it('withDeadline rejects on time and runs the cancel hook', async () => {
    let cancelled = false
    const started = performance.now()
    await expect(withDeadline(new Promise(() => {}), 50, undefined, () => (cancelled = true))).rejects.toThrow(/timed out after 50ms/)
    expect(performance.now() - started).toBeLessThan(200)
    expect(cancelled).toBe(true)
  })

  it('withDeadline honours an AbortSignal', async () => {
    const controller = new AbortController()
    const pending = withDeadline(() => new Promise(() => {}), 10_000, controller.signal)
    controller.abort(new Error('Ctrl-C'))
    await expect(pending).rejects.toThrow('Ctrl-C')
  })
})

describe('displayUrl', () => {
  it('masks passwords and secret query parameters', () => {
    expect(displayUrl('postgres://app:s3cr3t-pw@db:5432/x?sslmode=require&password=abc123')).toBe('postgres://app:***@db:5432/x?sslmode=require&password=***')
  })
})

describe('diffFindings', () => {
  const f = (checkId: string, status: Finding['status'], message = 'm'): Finding => ({ checkId, category: 'connectivity', title: checkId, status, severity: 'fail', message, evidence: {}, remediation: '', durationMs: 1 })
  it('reports transitions, new and vanished findings only', () => {
    const changes = diffFindings([f('redis', 'pass'), f('postgres', 'pass'), f('old', 'warn')], [f('redis', 'fail', 'connection refused'), f('postgres', 'pass'), f('nats', 'pass')])
    expect(changes.map((c) => [c.checkId, c.from, c.to])).toEqual([
      ['redis', 'pass', 'fail'],
      ['nats', undefined, 'pass'],
      ['old', 'warn', undefined],
    ])
    const text = formatChanges(changes, new Date('2026-01-01T03:04:05Z'))
    expect(text).toContain('[03:04:05] 3 changes:')
    expect(text).toMatch(/redis\s+pass → fail\s+connection refused/)
    expect(formatChanges([], new Date('2026-01-01T03:04:05Z'))).toBe('[03:04:05] no status changes')
  })
})
