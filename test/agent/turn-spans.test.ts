/**
 * turn-spans.ts records a turn's spans itself, not through the SDK's Tracer: these tests hold it to
 * what the SDK would have recorded (the tree, kinds, attributes, statuses, parents, trace state),
 * to what the SDK reads from the environment (OTEL_TRACES_SAMPLER, the attribute value length
 * limit), and to times that nest. The spans go through the SDK's own SimpleSpanProcessor and
 * in-memory exporter, and through its JSON serializer, as they would through its OTLP export.
 */
import { describe, expect, it } from 'vitest'
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer'
import { createTracing, type TracingOptions } from '../../agent/tracing.js'
import { loadAgentConfig } from '../../agent/config.js'
import type { TurnTrace } from '../../agent/tracing-types.js'

const CALLER = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'
/** A tracing handle whose spans land in memory, configured as the agent is by these variables. */
function recorded(env: Record<string, string> = {}) {
  const exporter = new InMemorySpanExporter()
  const config = loadAgentConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:1', OTEL_SERVICE_NAME: 'agent', ...env }).tracing!
  const tracing = createTracing({ ...config, processor: new SimpleSpanProcessor(exporter) })
  return { tracing, spans: () => exporter.getFinishedSpans(), config }
}

/** The agent's turn with a retried LLM call, a failed tool, a failed commit and a 503 answer. */
function failingTurn(turn: TurnTrace): string[] {
  turn.annotate({ 'gen_ai.conversation.id': 's-1', ignored: undefined })
  const first = turn.llmAttempt('gpt-4o-mini', 0)
  first.failed(Object.assign(new Error('too many requests'), { kind: 'rate_limited' }), 'rate_limited', 429)
  const retry = turn.llmAttempt('gpt-4o-mini', 1)
  retry.succeeded({ responseModel: 'gpt-4o-mini-2024', inputTokens: 12, outputTokens: 3, finishReason: 'tool_calls' })
  turn.tool('calculator', 'call_1')('denied')
  turn.commit()(new Error('connection terminated'))
  turn.end(503, { 'gen_ai.usage.input_tokens': 12 }, 'store_unavailable')
  return [first.traceparent, retry.traceparent]
}

const shape = (s: ReadableSpan) => ({ name: s.name, kind: s.kind, attributes: s.attributes, status: s.status, parent: s.parentSpanContext?.spanId })

describe('a turn recorded by turn-spans.ts', () => {
  it("records what the SDK's tracer recorded: names, kinds, attributes, statuses, one tree under the caller", () => {
    const { tracing, spans } = recorded()
    const turn = tracing.startTurn({ traceparent: CALLER, tracestate: 'vendor=1' })
    const sent = failingTurn(turn)
    const all = spans()
    const root = all.find((s) => s.name === 'POST /chat')!
    const rootId = root.spanContext().spanId
    expect(turn.traceresponse).toBe(`00-4bf92f3577b34da6a3ce929d0e0e4736-${rootId}-01`)
    expect(all.map(shape)).toEqual([
      {
        name: 'chat gpt-4o-mini', kind: 2, parent: rootId,
        attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.system': 'openai', 'gen_ai.request.model': 'gpt-4o-mini', 'http.response.status_code': 429, 'error.type': 'rate_limited' },
        status: { code: 2, message: 'too many requests' },
      },
      {
        name: 'chat gpt-4o-mini', kind: 2, parent: rootId,
        attributes: {
          'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.system': 'openai', 'gen_ai.request.model': 'gpt-4o-mini', 'http.request.resend_count': 1,
          'gen_ai.response.model': 'gpt-4o-mini-2024', 'gen_ai.usage.input_tokens': 12, 'gen_ai.usage.output_tokens': 3, 'gen_ai.response.finish_reasons': ['tool_calls'],
        },
        status: { code: 0 },
      },
      { name: 'execute_tool calculator', kind: 0, parent: rootId, attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'calculator', 'gen_ai.tool.call.id': 'call_1', 'agentctl.tool.outcome': 'denied' }, status: { code: 2, message: 'denied' } },
      {
        name: 'INSERT agent_turns', kind: 2, parent: rootId,
        attributes: { 'db.system.name': 'postgresql', 'db.operation.name': 'INSERT', 'db.collection.name': 'agent_turns', 'db.query.summary': 'commit turn', 'error.type': 'Error' },
        status: { code: 2, message: 'connection terminated' },
      },
      {
        name: 'POST /chat', kind: 1, parent: '00f067aa0ba902b7',
        attributes: { 'http.request.method': 'POST', 'http.route': '/chat', 'gen_ai.conversation.id': 's-1', 'http.response.status_code': 503, 'gen_ai.usage.input_tokens': 12, 'error.type': 'store_unavailable' },
        status: { code: 2, message: 'store_unavailable' },
      },
    ])
    expect(root.parentSpanContext).toMatchObject({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', isRemote: true })
    for (const s of all) {
      expect(s.spanContext()).toMatchObject({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', traceFlags: 1 })
      expect(s.spanContext().spanId).toMatch(/^[0-9a-f]{16}$/)
      expect(s.spanContext().traceState?.serialize()).toBe('vendor=1')
      expect(s.resource.attributes).toEqual({ 'service.name': 'agent' })
      expect(s.instrumentationScope).toEqual({ name: 'agentctl-reference-agent' })
      expect([s.events, s.links, s.droppedAttributesCount, s.ended]).toEqual([[], [], 0, true])
    }
    // Each LLM request names its own attempt's span.
    const attempts = all.filter((s) => s.name.startsWith('chat '))
    expect(sent).toEqual(attempts.map((s) => `00-4bf92f3577b34da6a3ce929d0e0e4736-${s.spanContext().spanId}-01`))
    expect(new Set(all.map((s) => s.spanContext().spanId)).size).toBe(5)
  })

  it('starts a new trace without a caller, and its times nest: every child inside the turn, in order', async () => {
    const { tracing, spans } = recorded()
    const before = Date.now()
    const turn = tracing.startTurn({})
    const attempt = turn.llmAttempt('m', 0)
    await new Promise((r) => setTimeout(r, 5))
    attempt.succeeded({})
    const endTool = turn.tool('t', 'c')
    endTool('success')
    turn.commit()()
    turn.end(200, {})
    const after = Date.now()
    const nanos = (t: [number, number]) => BigInt(t[0]) * 1_000_000_000n + BigInt(t[1])
    const [llm, tool, commit, root] = spans()
    expect(root!.parentSpanContext).toBeUndefined()
    expect(turn.traceId).toMatch(/^(?!0{32})[0-9a-f]{32}$/)
    expect(nanos(root!.startTime)).toBeGreaterThanOrEqual(BigInt(before) * 1_000_000n)
    expect(nanos(root!.endTime)).toBeLessThanOrEqual(BigInt(after + 1) * 1_000_000n)
    let previous = nanos(root!.startTime)
    for (const s of [llm!, tool!, commit!]) {
      expect(nanos(s.startTime)).toBeGreaterThanOrEqual(previous)
      expect(nanos(s.endTime)).toBeGreaterThanOrEqual(nanos(s.startTime))
      expect(nanos(s.endTime)).toBeLessThanOrEqual(nanos(root!.endTime))
      previous = nanos(s.endTime)
    }
    expect(nanos(llm!.endTime) - nanos(llm!.startTime)).toBeGreaterThanOrEqual(4_000_000n) // the 5 ms wait
    expect(nanos(llm!.duration as [number, number])).toBe(nanos(llm!.endTime) - nanos(llm!.startTime))
    for (const s of spans()) for (const t of [s.startTime, s.endTime, s.duration]) expect(Number.isInteger(t[1]) && t[1] >= 0 && t[1] < 1e9).toBe(true)
  })

  it('ignores changes to a span once it ended, as the SDK does (a processor may hold it already)', () => {
    const { tracing, spans } = recorded()
    const turn = tracing.startTurn({})
    const attempt = turn.llmAttempt('m', 0)
    attempt.succeeded({ finishReason: 'stop' })
    attempt.failed(new Error('late'), 'server', 500)
    const endTool = turn.tool('t', 'c')
    endTool('success')
    endTool('denied')
    turn.end(200, {})
    turn.end(500, { late: true }, 'internal_error')
    const [llm, tool, root] = spans()
    expect(spans()).toHaveLength(3)
    expect([llm!.status, llm!.attributes['error.type']]).toEqual([{ code: 0 }, undefined])
    expect([tool!.status, tool!.attributes['agentctl.tool.outcome']]).toEqual([{ code: 0 }, 'success'])
    expect([root!.status, root!.attributes['http.response.status_code'], root!.attributes.late]).toEqual([{ code: 0 }, 200, undefined])
  })

  it("serializes through the SDK's OTLP/JSON serializer, as the http/json export does", () => {
    const { tracing, spans } = recorded()
    failingTurn(tracing.startTurn({ traceparent: CALLER }))
    const body = JSON.parse(new TextDecoder().decode(JsonTraceSerializer.serializeRequest(spans())))
    const out = body.resourceSpans[0].scopeSpans[0].spans
    expect(out.map((s: { name: string }) => s.name)).toEqual(spans().map((s) => s.name))
    expect(out.every((s: { traceId: string }) => s.traceId === '4bf92f3577b34da6a3ce929d0e0e4736')).toBe(true)
  })
})

describe("the SDK's environment variables", () => {
  it('OTEL_TRACES_SAMPLER=always_off: nothing recorded; the headers still name the trace, unsampled (flags 00)', () => {
    const { tracing, spans, config } = recorded({ OTEL_TRACES_SAMPLER: 'always_off' })
    const turn = tracing.startTurn({ traceparent: CALLER })
    const [first] = failingTurn(turn)
    expect(spans()).toEqual([])
    expect(turn.traceresponse).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-00$/)
    expect(first).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-00$/)
    // Not recorded at all, as the SDK's non-recording spans: a processor that would keep unsampled spans sees none.
    const ended: ReadableSpan[] = []
    const everything = { onStart() {}, onEnd: (s: ReadableSpan) => void ended.push(s), forceFlush: async () => {}, shutdown: async () => {} }
    failingTurn(createTracing({ ...config, processor: everything } satisfies TracingOptions).startTurn({}))
    expect(ended).toEqual([])
  })

  it("the default (parent-based, always on): a caller's unsampled trace is not recorded, a sampled one is", () => {
    const { tracing, spans } = recorded()
    failingTurn(tracing.startTurn({ traceparent: CALLER.replace(/-01$/, '-00') }))
    expect(spans()).toEqual([])
    failingTurn(tracing.startTurn({ traceparent: CALLER }))
    expect(spans()).toHaveLength(5)
  })

  it('traceidratio: the whole turn or none of it, by its trace id', () => {
    const { tracing, spans } = recorded({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.5' })
    const counts = new Map<string, number>()
    for (let i = 0; i < 40; i++) {
      const turn = tracing.startTurn({})
      failingTurn(turn)
      counts.set(turn.traceId, 0)
    }
    for (const s of spans()) counts.set(s.spanContext().traceId, counts.get(s.spanContext().traceId)! + 1)
    const sizes = [...counts.values()]
    expect(sizes.every((n) => n === 0 || n === 5)).toBe(true)
    expect(sizes.filter((n) => n === 5).length).toBeGreaterThan(5) // 40 turns at 0.5: about 20
    expect(sizes.filter((n) => n === 0).length).toBeGreaterThan(5)
  })

  it('OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT cuts string values (and the strings of arrays), not numbers', () => {
    // The span-specific one wins, as in the SDK.
    const { tracing, spans } = recorded({ OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: '100', OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT: '5' })
    failingTurn(tracing.startTurn({}))
    const [, retry, tool, commit, root] = spans()
    // Every string the SDK would cut, the attributes a span starts with included.
    expect(retry!.attributes).toEqual({
      'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'opena', 'gen_ai.system': 'opena', 'gen_ai.request.model': 'gpt-4', 'http.request.resend_count': 1,
      'gen_ai.response.model': 'gpt-4', 'gen_ai.usage.input_tokens': 12, 'gen_ai.usage.output_tokens': 3, 'gen_ai.response.finish_reasons': ['tool_'],
    })
    expect(tool!.attributes).toEqual({ 'gen_ai.operation.name': 'execu', 'gen_ai.tool.name': 'calcu', 'gen_ai.tool.call.id': 'call_', 'agentctl.tool.outcome': 'denie' })
    expect(commit!.attributes).toMatchObject({ 'db.system.name': 'postg', 'db.collection.name': 'agent', 'error.type': 'Error' })
    expect(root!.attributes).toMatchObject({ 'http.request.method': 'POST', 'http.route': '/chat', 'gen_ai.conversation.id': 's-1', 'error.type': 'store' })
    expect(root!.status).toEqual({ code: 2, message: 'store_unavailable' }) // a status message is not an attribute: not cut
  })
})
