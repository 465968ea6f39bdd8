/**
 * OpenTelemetry: the agent exports a turn's spans over OTLP/HTTP to a loopback receiver (a real
 * HTTP server here, decoding protobuf, the default, or JSON: support/otlp.ts), as one tree under
 * the caller's traceparent,
 * sends each LLM attempt's context as `traceparent` on the LLM request, names the turn's span
 * to the caller in a `traceresponse` header, and puts the turn's trace id on its request-duration
 * bucket as an exemplar (OpenMetrics, when the scraper asks for it).
 */
import { createServer, type Server } from 'node:http'
import { Writable } from 'node:stream'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger } from '../../agent/telemetry.js'
import { loadAgentConfig } from '../../agent/config.js'
import { createTracing, exportFailure, parentFrom } from '../../agent/tracing.js'
import { flushSpans } from '../../agent/index.js'
import { trace } from '@opentelemetry/api'
import { createTestSchema, startTestAgent, type TestAgent } from './support.js'
import { parseExposition, select } from '../../src/metrics/exposition.js'
import { SCRAPE_ACCEPT } from '../../src/metrics/window.js'
import { decodeSpans, type OtlpSpan } from '../support/otlp.js'
import { startMockLlmServer } from '../../harness/index.js'
import { startReferenceAgent } from '../../harness/stack.js'

const received: OtlpSpan[] = []
const contentTypes: string[] = []
let receiver: Server
let schema: Awaited<ReturnType<typeof createTestSchema>>
let t: TestAgent
let closed = false
/** The trace the /metrics exemplar named (first test), looked for among the exported spans (last). */
let exemplarTrace: string | undefined

beforeAll(async () => {
  receiver = otlpReceiver((spans, request) => {
    contentTypes.push(request)
    received.push(...spans)
  })
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
  schema = await createTestSchema('agent_tracing')
  t = await startTestAgent({
    DATABASE_URL: schema.url,
    RATE_LIMIT_PER_MINUTE: '1000',
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`,
    OTEL_SERVICE_NAME: 'agent-under-test',
  })
})
/** A collector's OTLP/HTTP traces endpoint: decodes each body by its content type and answers 200 in kind. */
function otlpReceiver(onSpans: (spans: OtlpSpan[], request: string) => void): Server {
  return createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (d: Buffer) => chunks.push(d))
    req.on('end', () => {
      const type = req.headers['content-type']
      onSpans(decodeSpans(Buffer.concat(chunks), type), `${req.method} ${req.url} ${type}`)
      if (type === 'application/json') res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
      else res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end() // an empty ExportTraceServiceResponse
    })
  })
}

afterAll(async () => {
  if (!closed) await t?.close()
  await schema?.drop()
  await new Promise((resolve) => receiver?.close(resolve))
})

const attr = (span: OtlpSpan, key: string) => {
  const v = span.attributes.find((a) => a.key === key)?.value
  if (!v) return undefined
  if ('intValue' in v) return Number(v.intValue)
  if ('arrayValue' in v) return (v.arrayValue as { values: Array<{ stringValue: string }> }).values.map((x) => x.stringValue)
  return v.stringValue ?? v.boolValue ?? v.doubleValue
}

describe('OpenTelemetry traces', () => {
  it("names a chat's trace as the exemplar of its request-duration bucket, in OpenMetrics only", async () => {
    const answer = await t.chat({ message: 'hello' })
    expect(answer.status).toBe(200)
    const traceId = answer.headers.get('traceresponse')!.split('-')[1]!
    // Scraped as Prometheus and agentctl diagnose scrape it.
    const om = await t.get('/metrics', { accept: SCRAPE_ACCEPT })
    expect(om.headers.get('content-type')).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8')
    expect(om.body).toMatch(/# EOF\n$/)
    const traced = select(parseExposition(om.body), 'agent_http_request_duration_seconds_bucket', (l) => l.route === '/chat').filter((s) => s.exemplar)
    expect(traced.map((s) => s.exemplar!.labels)).toEqual([{ trace_id: traceId }])
    // On the bucket that counted it: the observation is at most its upper bound.
    expect(traced[0]!.exemplar!.value).toBeLessThanOrEqual(Number(traced[0]!.labels.le === '+Inf' ? Infinity : traced[0]!.labels.le))
    exemplarTrace = traceId
    // Without an OpenMetrics Accept: the classic text as ever, no exemplar, counters still named _total.
    const classic = await t.get('/metrics')
    expect(classic.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8')
    expect(classic.body).not.toContain(traceId)
    expect(classic.body).toContain('# TYPE agent_http_requests_total counter')
    expect(classic.body).toMatch(/^agent_http_requests_total\{route="\/chat",method="POST",status="200"\} 1$/m)
  })

  it('exports one tree per turn under the caller\'s traceparent: LLM attempts, tool calls, the commit', async () => {
    const sentToLlm: Array<string | null> = []
    t.mock.server.events.on('request:start', ({ request }) => {
      if (request.url.startsWith(t.mock.url)) sentToLlm.push(request.headers.get('traceparent'))
    })
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736'
    const callerSpan = '00f067aa0ba902b7'
    const retryTrace = '5bf92f3577b34da6a3ce929d0e0e4737'
    const res = await t.chat({ message: 'What is 17 * 23? Use the calculator.' }, { traceparent: `00-${traceId}-${callerSpan}-01` })
    expect(res.status).toBe(200)
    expect(res.body.iterations).toBe(2)
    // A retried attempt: the first answers 429, the retry succeeds; each attempt gets its span.
    t.mock.setScenario('rate-limited', { count: 1, retryAfterMs: 20 })
    const retried = await t.chat({ message: 'hello' }, { traceparent: `00-${retryTrace}-${callerSpan}-01` })
    expect(retried.status).toBe(200)
    t.mock.setScenario('healthy')
    // No caller context, and a refused body: each answer still names the trace the agent recorded.
    const own = await t.chat({ message: 'hello' })
    const refused = await t.chat({ message: 42 })
    expect(refused.status).toBe(400)
    closed = true
    await t.close() // flushes the batch processor: every span is exported by now

    const spans = received.filter((s) => s.traceId === traceId)
    const byName = (prefix: string) => spans.filter((s) => s.name.startsWith(prefix))
    const [turn] = byName('POST /chat')
    expect(turn, `spans: ${spans.map((s) => s.name).join(', ')}`).toBeDefined()
    expect(turn!.parentSpanId).toBe(callerSpan)
    expect(turn!.kind).toBe(2) // SERVER
    expect(attr(turn!, 'http.response.status_code')).toBe(200)
    expect(attr(turn!, 'gen_ai.conversation.id')).toBe(res.body.session_id)
    // W3C Trace Context Level 2: the answer names the turn's server span in the caller's trace.
    expect(res.headers.get('traceresponse')).toBe(`00-${traceId}-${turn!.spanId}-01`)
    for (const answer of [own, refused]) {
      const [, ownTrace, ownSpan] = answer.headers.get('traceresponse')!.split('-')
      const root = received.find((s) => s.traceId === ownTrace && s.spanId === ownSpan)
      expect(root, `exported spans of trace ${ownTrace}`).toMatchObject({ name: 'POST /chat', kind: 2 })
      expect(attr(root!, 'http.response.status_code')).toBe(answer.status)
    }

    const llm = byName('chat ')
    expect(llm).toHaveLength(2)
    for (const span of llm) {
      expect(span.parentSpanId).toBe(turn!.spanId)
      expect(span.kind).toBe(3) // CLIENT
      expect(attr(span, 'gen_ai.operation.name')).toBe('chat')
      expect(attr(span, 'gen_ai.request.model')).toBe('gpt-4o-mini')
      expect(attr(span, 'http.request.resend_count')).toBeUndefined() // first tries: "Recommended if and only if request was retried"
      expect(attr(span, 'gen_ai.usage.input_tokens')).toBeGreaterThan(0)
      expect(attr(span, 'gen_ai.usage.output_tokens')).toBeGreaterThan(0)
    }
    expect(llm.map((s) => attr(s, 'gen_ai.response.finish_reasons')).flat().sort()).toEqual(['stop', 'tool_calls'])
    // Each LLM request carried its own attempt span as traceparent.
    expect(sentToLlm.filter((h) => h?.includes(traceId)).sort()).toEqual(llm.map((s) => `00-${traceId}-${s.spanId}-01`).sort())

    const [tool] = byName('execute_tool')
    expect(tool).toMatchObject({ name: 'execute_tool calculator', parentSpanId: turn!.spanId })
    expect(attr(tool!, 'gen_ai.tool.name')).toBe('calculator')
    expect(attr(tool!, 'agentctl.tool.outcome')).toBe('success')

    const [commit] = byName('INSERT agent_turns')
    expect(commit).toMatchObject({ parentSpanId: turn!.spanId, kind: 3 })
    expect(attr(commit!, 'db.system.name')).toBe('postgresql')
    expect(spans).toHaveLength(5)
    expect(contentTypes[0]).toBe('POST /v1/traces application/x-protobuf') // OTLP's default encoding

    const attempts = received.filter((s) => s.traceId === retryTrace && s.name.startsWith('chat ')).sort((a, b) => Number(BigInt(a.startTimeUnixNano) - BigInt(b.startTimeUnixNano)))
    expect(attempts.map((s) => [attr(s, 'http.request.resend_count'), s.status?.code ?? 0, attr(s, 'error.type') ?? null])).toEqual([
      [undefined, 2, 'rate_limited'], // status ERROR; a first try carries no resend count
      [1, 0, null], // the retry of the first LLM call
      [undefined, 0, null], // the turn's second LLM call (after the tool), first try
    ])
  })
})

describe('the exemplar on /metrics', () => {
  it('names a trace the agent exported (a POST /chat server span)', () => {
    expect(closed).toBe(true) // the agent closed above: every span was flushed
    expect(exemplarTrace).toBeDefined()
    expect(received.find((s) => s.traceId === exemplarTrace && s.name === 'POST /chat')).toMatchObject({ kind: 2 })
  })
})

describe('traceparent parsing (W3C Trace Context)', () => {
  const spanOf = (header: unknown) => trace.getSpanContext(parentFrom(header, undefined))
  it.each([
    ['00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', true],
    ['00-00000000000000000000000000000000-00f067aa0ba902b7-01', false],
    ['00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01', false],
    ['ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', false],
    ['00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra', false],
    ['not a header', false],
    [undefined, false],
  ])('%s -> continues the trace: %s', (header, valid) => {
    expect(Boolean(spanOf(header))).toBe(valid)
  })
})

describe('OTEL_EXPORTER_OTLP_PROTOCOL=http/json', () => {
  it("exports the same tree as OTLP/JSON, for a collector that wants JSON", async () => {
    const spans: OtlpSpan[] = []
    const types = new Set<string>()
    const json = otlpReceiver((batch, request) => {
      types.add(request)
      spans.push(...batch)
    })
    await new Promise<void>((resolve) => json.listen(0, '127.0.0.1', resolve))
    const own = await createTestSchema('agent_tracing_json')
    try {
      const agent = await startTestAgent({ DATABASE_URL: own.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(json.address() as AddressInfo).port}` })
      const answer = await agent.chat({ message: 'What is 17 * 23? Use the calculator.' })
      expect(answer.status).toBe(200)
      await agent.close()
      const [, traceId, turnSpan] = answer.headers.get('traceresponse')!.split('-')
      const tree = spans.filter((s) => s.traceId === traceId)
      expect([...types]).toEqual(['POST /v1/traces application/json'])
      expect(tree.map((s) => s.name).sort()).toEqual(['INSERT agent_turns', 'POST /chat', 'chat gpt-4o-mini', 'chat gpt-4o-mini', 'execute_tool calculator'])
      expect(tree.filter((s) => s.spanId !== turnSpan).every((s) => s.parentSpanId === turnSpan)).toBe(true)
      expect(attr(tree.find((s) => s.name === 'execute_tool calculator')!, 'agentctl.tool.outcome')).toBe('success')
    } finally {
      await new Promise((resolve) => json.close(resolve))
      await own.drop()
    }
  }, 30_000)
})

describe('a collector that never answers', () => {
  it('does not hold the shutdown: the last spans are dropped after a bounded wait', async () => {
    const hung = createServer(() => undefined) // accepts the export, never answers
    await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve))
    const own = await createTestSchema('agent_tracing_hung')
    try {
      const agent = await startTestAgent({ DATABASE_URL: own.url, OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(hung.address() as AddressInfo).port}` })
      expect((await agent.chat({ message: 'hello' })).status).toBe(200)
      const started = Date.now()
      await agent.close()
      expect(Date.now() - started).toBeLessThan(5000) // the exporter alone would wait 10 s (OTEL_EXPORTER_OTLP_TIMEOUT), the processor 30 s (OTEL_BSP_EXPORT_TIMEOUT)
    } finally {
      hung.closeAllConnections()
      await new Promise((resolve) => hung.close(resolve))
      await own.drop()
    }
  }, 20_000)

  it('says how many spans it gave up on (http/protobuf; the SDK processor behind http/json does not say)', async () => {
    const hung = createServer(() => undefined)
    await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve))
    try {
      for (const [protocol, expected] of [['http/protobuf', 'the last 5 spans'], ['http/json', 'the last spans']] as const) {
        let output = ''
        const logger = createLogger('warn', new Writable({ write: (chunk, _encoding, done) => done(null, (output += chunk)) }))
        const env = { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(hung.address() as AddressInfo).port}`, OTEL_EXPORTER_OTLP_PROTOCOL: protocol, OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '2' }
        const tracing = createTracing({ ...loadAgentConfig(env).tracing!, warn: () => undefined })
        const turn = tracing.startTurn({})
        turn.llmAttempt('gpt-4o-mini', 0).succeeded({ responseModel: 'gpt-4o-mini', inputTokens: 1, outputTokens: 1, finishReason: 'tool_calls' })
        turn.tool('calculator', 'call_1')('success')
        turn.llmAttempt('gpt-4o-mini', 0).succeeded({ responseModel: 'gpt-4o-mini', inputTokens: 1, outputTokens: 1, finishReason: 'stop' })
        turn.commit()()
        turn.end(200, {}) // 5 spans: a batch of 2 is out to the hung collector, 3 wait
        if (protocol === 'http/protobuf') expect(tracing.unsent()).toBe(5)
        else expect(tracing.unsent()).toBeUndefined()
        await flushSpans(tracing, logger)
        const warning = JSON.parse(output.trim().split('\n').at(-1)!)
        expect(warning.msg).toBe(`the OTLP collector did not take ${expected} in time; they are dropped`)
        expect(warning.spans).toBe(protocol === 'http/protobuf' ? 5 : undefined)
      }
    } finally {
      hung.closeAllConnections()
      await new Promise((resolve) => hung.close(resolve))
    }
  }, 20_000)

  it("nor the process: `agent start` exits soon after SIGTERM, not after the exporter's retries", async () => {
    const hung = createServer(() => undefined)
    await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve))
    const own = await createTestSchema('agent_tracing_exit')
    const mock = await startMockLlmServer({ port: 0 })
    try {
      const agent = await startReferenceAgent({
        env: { DATABASE_URL: own.url, REDIS_URL: undefined, LLM_BASE_URL: `${mock.url}/v1`, OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(hung.address() as AddressInfo).port}` },
      })
      const answer = await fetch(`${agent.url}/chat`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"message":"hello"}' })
      expect(answer.status).toBe(200)
      const started = Date.now()
      await agent.stop() // SIGTERM; stop() sends SIGKILL at 5 s
      // 2 s for the last spans, then the command's exit guard: the export still pending to the
      // hung collector would otherwise hold the process for the exporter's 10 s timeout.
      expect(Date.now() - started).toBeLessThan(4500)
    } finally {
      hung.closeAllConnections()
      await new Promise((resolve) => hung.close(resolve))
      await mock.close()
      await own.drop()
    }
  }, 60_000)
})

describe('a collector that refuses the spans', () => {
  it('is reported in the agent\'s log, at most once a minute, with the URL (its password masked), the reason and the spans lost', async () => {
    const refusing = createServer((req, res) => {
      req.resume()
      req.on('end', () => res.writeHead(404, { 'content-type': 'text/plain' }).end('no such path'))
    })
    await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', resolve))
    const port = (refusing.address() as AddressInfo).port
    const url = `http://tenant:s3cret-Collector-pw@127.0.0.1:${port}/v1/traces`
    // The agent's own logger, wired as agent/index.ts wires it.
    let output = ''
    const logger = createLogger('warn', new Writable({ write: (chunk, _encoding, done) => done(null, (output += chunk)) }))
    const config = loadAgentConfig({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: url, OTEL_SERVICE_NAME: 'refused', OTEL_BSP_SCHEDULE_DELAY: '10', OTEL_BSP_EXPORT_TIMEOUT: '5000' }).tracing!
    const tracing = createTracing({ ...config, warn: (message, fields) => logger.warn(fields, message) })
    try {
      for (let turn = 0; turn < 2; turn++) {
        tracing.startTurn({}).end(200, {})
        const deadline = Date.now() + 5000
        while (!output && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
        await new Promise((r) => setTimeout(r, 100)) // the second export fails too, within the minute
      }
      expect(output).not.toContain('s3cret-Collector-pw')
      const lines = output.trim().split('\n').map((line) => JSON.parse(line))
      expect(lines).toHaveLength(1)
      expect(lines[0]).toMatchObject({ level: 40, otlp: `http://tenant:***@127.0.0.1:${port}/v1/traces`, dropped: 1 }) // fields, for log-based alerting
      expect(lines[0].msg).toBe(`OTLP trace export to http://tenant:***@127.0.0.1:${port}/v1/traces failed (1 span dropped): HTTP 404 Not Found`)
    } finally {
      await tracing.shutdown().catch(() => undefined)
      await new Promise((resolve) => refusing.close(resolve))
    }
  })

  it('names the usual mistake when the URL is a collector\'s gRPC port', () => {
    expect(exportFailure('http://collector:4317/v1/traces', new Error('socket hang up'), 5)).toBe(
      "OTLP trace export to http://collector:4317/v1/traces failed (5 spans dropped): socket hang up; port 4317 is OTLP/gRPC, and the agent speaks OTLP/HTTP: point it at the collector's OTLP/HTTP port, usually 4318",
    )
  })
})

