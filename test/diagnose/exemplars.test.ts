/**
 * Issue 19 for diagnose, end to end: a traced reference agent puts each chat's trace id on its
 * request-duration bucket (an OpenMetrics exemplar); diagnose, which sends no chat, reads them from
 * its two /metrics scrapes and points the failing latency finding at the traces of the window's
 * slowest chats, the very ids the agent answered with.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { check as performanceSlo } from '../../checks/performance-slo/check.js'
import { ConfigSchema } from '../../src/config/schema.js'
import { runChecks } from '../../src/runner.js'
import { MAX_TRACE_IDS } from '../../src/traces.js'
import { createTestSchema, startTestAgent, type TestAgent } from '../agent/support.js'

let collector: Server
let schema: Awaited<ReturnType<typeof createTestSchema>>
let t: TestAgent

beforeAll(async () => {
  // Spans go somewhere that accepts them; this test reads the agent's answers and /metrics only.
  collector = createServer((req, res) => req.resume().on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}')))
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve))
  schema = await createTestSchema('diagnose_exemplars')
  t = await startTestAgent({ DATABASE_URL: schema.url, RATE_LIMIT_PER_MINUTE: '10000', OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(collector.address() as AddressInfo).port}` })
}, 60_000)
afterAll(async () => {
  await t?.close()
  await schema?.drop()
  collector?.closeAllConnections()
  await new Promise((resolve) => collector?.close(resolve))
})

describe('diagnose points a slow latency finding at the traces of the slowest chats', () => {
  it("names trace ids the agent answered with, taken from the exemplars of the sample's chats", async () => {
    await t.chat({ message: 'warm-up' })
    const answered: string[] = []
    let stop = false
    const traffic = (async () => {
      while (!stop) {
        const res = await t.chat({ message: 'hello' })
        const traceId = res.headers.get('traceresponse')?.split('-')[1]
        if (traceId) answered.push(traceId)
      }
    })()
    // An SLO no chat can meet: the finding fails and looks for the slowest requests' traces.
    const config = ConfigSchema.parse({ target: { url: t.url }, slo: { p95Ms: 0.001, errorRate: 0.5 } })
    const [latency] = await runChecks([performanceSlo], { mode: 'diagnose', config, timeoutMs: 4000, options: { windowMs: 1000 } })
    stop = true
    await traffic
    expect(latency!.status, latency!.message).toBe('fail')
    const ids = latency!.evidence.traceIds as string[]
    expect(ids.length).toBeGreaterThan(0)
    expect(ids.length).toBeLessThanOrEqual(MAX_TRACE_IDS)
    for (const id of ids) expect(answered).toContain(id)
    expect(latency!.remediation).toContain(`in your tracing backend (exemplars on the agent's metrics`)
    for (const id of ids) expect(latency!.remediation).toContain(id)
  })
})
