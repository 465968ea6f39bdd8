/**
 * Sample reports for tests (the renderers' inputs): the shipped fixtures/reports/*.json plus a few
 * edge cases built here. Every one of them must validate against the Report schema.
 */
import { readFileSync } from 'node:fs'
import { fixturePath } from '../../src/paths.js'
import type { Finding, Report } from '../../src/report.js'

export const FIXTURE_NAMES = ['validate', 'diagnose', 'load', 'demo'] as const

export function fixtureReport(name: (typeof FIXTURE_NAMES)[number]): Report {
  return JSON.parse(readFileSync(fixturePath('reports', `${name}.json`), 'utf8')) as Report
}

export function makeFinding(overrides: Partial<Finding> = {}): Finding {
  return {
    checkId: 'redis',
    category: 'dependencies',
    title: 'Redis reachable',
    status: 'pass',
    severity: 'fail',
    message: 'PING in 1ms',
    evidence: {},
    remediation: '',
    durationMs: 3,
    ...overrides,
  }
}

export function makeReport(overrides: Partial<Report> = {}): Report {
  return {
    schemaVersion: '1.0',
    tool: { name: 'agentctl', version: '0.1.0' },
    command: 'validate',
    startedAt: '2026-11-21T21:30:00.000Z',
    durationMs: 1234,
    target: 'http://127.0.0.1:8080',
    verdict: 'pass',
    score: 100,
    findings: [makeFinding()],
    ...overrides,
  }
}

/** Every input the renderer tests use, by name. */
export function allSampleReports(): Record<string, Report> {
  const samples: Record<string, Report> = Object.fromEntries(FIXTURE_NAMES.map((n) => [n, fixtureReport(n)]))
  samples.empty = makeReport({ findings: [] })
  samples.loadOnly = makeReport({
    command: 'load',
    findings: [],
    load: { mode: 'closed', achievedRps: 0, offeredRps: 0, requests: 0, errors: 0, latencyMs: { p50: 0, p90: 0, p95: 0, p99: 0, max: 0 }, steps: [], aborted: 'target refused connections' },
  })
  return samples
}
