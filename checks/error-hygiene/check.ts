import { randomUUID } from 'node:crypto'
import type { Check, CheckOutcome } from '../../src/check.js'
import { targetProtocol } from '../resilience-session.js'
import { type AgentTarget, chatExchange, type Exchange, exchange, type SendOptions, summarize, traced } from '../resilience-support.js'

/** Stack traces and source paths in the shapes Node, Python and the JVM print them. */
const STACK_TRACE: Array<[RegExp, string]> = [
  [/\bat [\w.$<>[\] ]+ \((?:file:\/\/)?[^\s()]+:\d+:\d+\)/, 'a JavaScript stack frame'],
  [/\n\s+at (?:file:\/\/)?\/[^\s]+:\d+:\d+/, 'a JavaScript stack frame'],
  [/Traceback \(most recent call last\)|File "[^"]+", line \d+/, 'a Python traceback'],
  [/\bat [\w.$]+\([\w]+\.java:\d+\)/, 'a Java stack frame'],
  [/node_modules\/[\w@.-]+/, 'a node_modules path'],
  [/(?:^|[\s"'(])\/(?:home|usr|app|srv|opt|src|var\/task)\/[\w./-]+\.(?:js|mjs|cjs|ts|py):\d+/, 'a server file path'],
]
const CREDENTIAL = /\b(sk|pk|rk)-(?:proj-|live-|test-)?[A-Za-z0-9_-]{16,}|[a-z][a-z0-9+.-]*:\/\/[^\s:/@"']*:[^\s@/"']+@/

export const errorHygieneCheck: Check = {
  id: 'error-hygiene',
  category: 'security',
  title: 'Error responses leak no stack traces or secrets',
  description: 'Provoked errors (invalid JSON, wrong type, unknown route, wrong method, bad token) and a normal chat must not return stack traces, file paths, credentials, or echo the presented token.',
  appliesTo: ['validate'],
  severity: 'fail',
  lock: 'mock-llm',
  run: async (ctx): Promise<CheckOutcome> => {
    const t = ctx.config.target
    const protocol = await targetProtocol(ctx)
    if ('status' in protocol) return protocol
    // Malformed requests go where the protocol sends its chats (the A2A endpoint, the useChat route…).
    const chatUrl = protocol.request({ message: 'x' }).url
    const target: AgentTarget = { url: t.url, chatPath: chatUrl, healthPath: t.healthPath, apiKey: t.apiKey }
    const bogusToken = `agentctl-echo-probe-${randomUUID()}`
    const send = (label: string, opts: Omit<SendOptions, 'timeoutMs'>) => exchange(target, undefined, ctx.signal, label, { timeoutMs: 10_000, headers: t.request?.headers, ...opts })
    const exchanges: Exchange[] = [
      await send('invalid JSON', { rawBody: '{"message": ' }),
      ...(protocol.id === 'agentctl' ? [await send('message of the wrong type', { body: { message: { $gt: '' }, session_id: ['x'] } })] : []),
      await send('unknown route', { method: 'GET', path: `/agentctl-validate-${randomUUID().slice(0, 8)}` }),
      await send('wrong method', { method: 'PUT', body: { message: 'x' } }),
      await send('invalid bearer token', { rawBody: protocol.request({ message: 'x' }).body, auth: false, headers: { ...t.request?.headers, authorization: `Bearer ${bogusToken}` } }),
      // A normal chat too: its answer must not carry the caller's key either.
      await chatExchange(protocol, undefined, ctx.signal, 'valid chat', { message: 'Reply with one short sentence. (agentctl validate echo probe)', marker: `error-hygiene-${process.pid}` }, { timeoutMs: 10_000 }),
    ]
    if (exchanges.every((ex) => ex.status === undefined)) {
      return { status: 'error', message: `the agent at ${t.url} did not answer (${exchanges[0]!.error})`, evidence: {}, remediation: 'Start the agent (or use --self) and check --target.' }
    }
    const known = [t.apiKey, ctx.config.dependencies.llm?.apiKey].filter((s): s is string => Boolean(s && s.length >= 6))
    const leaks: string[] = []
    const leaky = new Set<Exchange>()
    for (const ex of exchanges) {
      const before = leaks.length
      const text = `${JSON.stringify(ex.headers)}\n${ex.text}`
      for (const [pattern, what] of STACK_TRACE) if (pattern.test(ex.text)) leaks.push(`${ex.label}: ${what}`)
      if (text.includes(bogusToken)) leaks.push(`${ex.label}: echoes the presented bearer token`)
      if (known.some((secret) => text.includes(secret)) || CREDENTIAL.test(text)) leaks.push(`${ex.label}: contains a credential`)
      if (leaks.length > before) leaky.add(ex)
    }
    // Response bodies may hold exactly the secrets we look for: keep only redacted samples.
    const evidence = { responses: exchanges.map((ex) => ({ ...summarize(ex), bodySample: ex.text.slice(0, 200) })), poweredBy: exchanges.find((ex) => ex.headers['x-powered-by'])?.headers['x-powered-by'] }
    if (leaks.length > 0) {
      // Only the chat carries a trace (the provoked errors are raw requests); a leak in it names its trace.
      return traced({
        status: 'fail',
        message: `error responses leak internals: ${[...new Set(leaks)].join('; ')}`,
        evidence,
        remediation: 'Answer errors with a fixed shape ({error:{message,type,code}}) built from known error classes; log the stack trace server-side with a request id and return only the id. Never echo credentials or include err.stack/err.message of unknown errors in responses.',
      }, ...leaky)
    }
    return { status: 'pass', message: `${exchanges.length - 1} provoked errors and a normal chat answered without stack traces, file paths or credentials`, evidence }
  },
}
