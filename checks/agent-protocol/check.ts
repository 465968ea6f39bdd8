/**
 * agent-protocol: the target protocol's discovery and endpoint, without sending a chat (no LLM
 * spend, safe in production). For A2A: the agent card resolves to a JSON-RPC or HTTP+JSON endpoint,
 * and that endpoint answers a GetTask for a task that does not exist (any protocol-shaped answer
 * proves it serves A2A). Protocols with no discovery document have nothing to probe here: skip,
 * saying validate exercises the chat route.
 */
import { randomUUID } from 'node:crypto'
import type { Check, CheckContext, CheckOutcome } from '../../src/check.js'
import { ms, probeBudgetMs, probeHttp } from '../../src/probes/index.js'
import { openTargetProtocol, ProtocolSetupError } from '../../src/protocols/index.js'

export const agentProtocolCheck: Check = {
  id: 'agent-protocol',
  category: 'connectivity',
  title: 'Agent protocol endpoint',
  description: "The target protocol's discovery document (the A2A agent card) and the endpoint it names answer, without sending a chat",
  // diagnose only: validate resolves the protocol before any traffic and judges the chat route by chatting.
  appliesTo: ['diagnose'],
  severity: 'fail',
  async run(ctx: CheckContext): Promise<CheckOutcome> {
    const target = ctx.config.target
    if (target.protocol !== 'a2a') {
      return { status: 'skip', message: `protocol ${target.protocol} has no discovery document; the chat route (${target.chatPath}) is exercised by validate's chats, not probed here (a chat would spend LLM tokens)` }
    }
    const budgetMs = probeBudgetMs(ctx)
    let protocol
    try {
      protocol = await openTargetProtocol(target, { signal: ctx.signal, timeoutMs: Math.max(500, Math.floor(budgetMs / 2)) })
    } catch (error) {
      if (!(error instanceof ProtocolSetupError)) throw error
      return { status: 'fail', message: error.message, evidence: error.evidence, remediation: error.hint }
    }
    const d = protocol.discovery!
    const probe = a2aProbe(d.endpoint, d.binding)
    const headers = { accept: 'application/json', ...(target.apiKey ? { authorization: `Bearer ${target.apiKey}` } : {}), ...probe.headers }
    const res = await probeHttp(probe.url, { signal: ctx.signal, timeoutMs: Math.max(500, Math.floor(budgetMs / 2)), method: probe.method, headers, body: probe.body })
    const evidence: Record<string, unknown> = { card: d.url, endpoint: d.endpoint, binding: d.binding, ...(d.name ? { agent: d.name } : {}), probe: `${probe.method} ${probe.url}` }
    if (!res.ok) return { status: 'fail', message: `the agent card at ${d.url} names ${d.endpoint} (${d.binding}), which did not answer (${res.error})`, evidence, remediation: "Check that the card's interface URL is reachable from here (a card built with localhost or an internal host name is a common cause)." }
    evidence.httpStatus = res.status
    evidence.latencyMs = res.latencyMs
    const spoken = probe.judge(res.status, res.body)
    if (!spoken) {
      evidence.body = res.body.slice(0, 200)
      return { status: 'fail', message: `${d.endpoint} answered HTTP ${res.status}, not an A2A ${d.binding} answer`, evidence, remediation: "Point the card's interface at the route where the A2A handler is mounted (@a2a-js/sdk jsonRpcHandler / restHandler)." }
    }
    return { status: 'pass', message: `agent card ${d.name ? `"${d.name}" ` : ''}→ ${d.endpoint} (${d.binding}) answers A2A in ${ms(res.latencyMs)}`, evidence }
  },
}

interface Probe {
  method: 'GET' | 'POST'
  url: string
  headers: Record<string, string>
  body?: string
  /** Whether the answer is shaped like the binding's (a JSON-RPC response, an A2A error body). */
  judge(status: number, body: string): boolean
}

function a2aProbe(endpoint: string, binding: string): Probe {
  const v1 = / 1\./.test(binding)
  const id = `agentctl-probe-${randomUUID()}`
  if (binding.startsWith('JSONRPC')) {
    return {
      method: 'POST',
      url: endpoint,
      headers: { 'content-type': 'application/json', ...(v1 ? { 'A2A-Version': '1.0' } : {}) },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: v1 ? 'GetTask' : 'tasks/get', params: { id } }),
      judge: (_status, body) => {
        const json = parse(body)
        return json?.jsonrpc === '2.0' && ('error' in json || 'result' in json)
      },
    }
  }
  // HTTP+JSON: GET /tasks/{id} (1.0) or /v1/tasks/{id} (0.3): a 404 task-not-found in JSON is the binding speaking.
  const base = endpoint.replace(/\/message:send$/, '').replace(/\/v1\/message:send$/, '')
  return {
    method: 'GET',
    url: `${base}${v1 ? '' : '/v1'}/tasks/${id}`,
    headers: v1 ? { 'A2A-Version': '1.0' } : {},
    judge: (status, body) => (status >= 200 && status < 300) || (parse(body) !== undefined && status < 500),
  }
}

function parse(body: string): Record<string, unknown> | undefined {
  try {
    const json = JSON.parse(body)
    return json && typeof json === 'object' ? json : undefined
  } catch {
    return undefined
  }
}
