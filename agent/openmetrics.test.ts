import { describe, expect, it } from 'vitest'
import { openMetricsText, wantsOpenMetrics } from './openmetrics.js'
import { createTelemetry } from './telemetry.js'
import { parseExposition, select } from '../src/metrics/exposition.js'

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736'
const chat = { route: '/chat', method: 'POST', status: '200' }

describe('content negotiation on /metrics', () => {
  it.each([
    // Prometheus 2.x and 3.x scrape headers, then agentctl diagnose's.
    ['application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1', true],
    ['application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3,text/plain;version=0.0.4;q=0.2,*/*;q=0.1', true],
    ['application/openmetrics-text;version=1.0.0;q=0.9,text/plain;version=0.0.4;q=0.5,*/*;q=0.1', true],
    ['text/plain;version=0.0.4;q=1,application/openmetrics-text;q=0.5', false],
    ['application/openmetrics-text;q=0', false],
    ['*/*', false],
    ['text/plain', false],
    [undefined, false],
  ])('%s -> OpenMetrics: %s', (accept, expected) => {
    expect(wantsOpenMetrics(accept)).toBe(expected)
  })
})

describe('exemplars on the request histogram', () => {
  it("with exemplars on, names the chat's trace on its bucket in OpenMetrics, and leaves the classic text as it was", async () => {
    const telemetry = createTelemetry({ exemplars: true })
    telemetry.httpRequests.inc(chat)
    telemetry.observeRequest(chat, 4.2, TRACE)
    telemetry.observeRequest({ route: '/health', method: 'GET', status: '200' }, 0.001)
    const classicBefore = await telemetry.registry.metrics()
    const om = await openMetricsText(telemetry.registry)
    expect(om.endsWith('# EOF\n')).toBe(true)
    expect(om).toContain('# TYPE agent_http_requests counter\nagent_http_requests_total{route="/chat",method="POST",status="200"} 1')
    expect(om).toMatch(new RegExp(`^agent_http_request_duration_seconds_bucket\\{le="5",route="/chat",method="POST",status="200"\\} 1 # \\{trace_id="${TRACE}"\\} 4\\.2 \\d+(\\.\\d+)?$`, 'm'))
    const parsed = parseExposition(om)
    const traced = select(parsed, 'agent_http_request_duration_seconds_bucket').filter((s) => s.exemplar)
    expect(traced).toHaveLength(1)
    expect(traced[0]!.exemplar).toMatchObject({ labels: { trace_id: TRACE }, value: 4.2 })
    // The classic text carries no exemplar, and an OpenMetrics scrape renames nothing in it.
    const classicAfter = await telemetry.registry.metrics()
    expect(classicAfter).not.toContain(' # {')
    expect(classicAfter).toContain('# TYPE agent_http_requests_total counter')
    expect(classicAfter.replace(/^(process|nodejs)_.*$/gm, '')).toBe(classicBefore.replace(/^(process|nodejs)_.*$/gm, ''))
  })

  it("changes a bucket's exemplar at most once a second, each bucket on its own", async () => {
    const telemetry = createTelemetry({ exemplars: true })
    const other = 'b'.repeat(32)
    telemetry.observeRequest(chat, 4.2, TRACE)
    telemetry.observeRequest(chat, 4.3, other) // the same bucket (le=5) within the second: kept as it was
    telemetry.observeRequest(chat, 0.2, other) // another bucket (le=0.25): its first exemplar
    const exemplars = select(parseExposition(await openMetricsText(telemetry.registry)), 'agent_http_request_duration_seconds_bucket')
      .filter((s) => s.exemplar)
      .map((s) => [s.labels.le, s.exemplar!.labels.trace_id, s.exemplar!.value])
    expect(exemplars).toEqual([
      ['0.25', other, 0.2],
      ['5', TRACE, 4.2],
    ])
    // Every observation still counts.
    expect(await openMetricsText(telemetry.registry)).toMatch(/^agent_http_request_duration_seconds_count\{route="\/chat",method="POST",status="200"\} 3$/m)
  })

  it('with exemplars off (no tracing), observes as before and records none', async () => {
    const telemetry = createTelemetry()
    expect(telemetry.exemplars).toBe(false)
    telemetry.observeRequest(chat, 4.2, TRACE)
    const om = await openMetricsText(telemetry.registry)
    expect(om).not.toContain('trace_id')
    expect(await telemetry.registry.metrics()).toMatch(/^agent_http_request_duration_seconds_bucket\{le="5",route="\/chat",method="POST",status="200"\} 1$/m)
  })
})
