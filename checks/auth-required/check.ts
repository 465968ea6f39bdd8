import { randomUUID } from 'node:crypto'
import { z } from 'zod'
import type { Check, CheckOutcome } from '../../src/check.js'
import { frameworkOf } from '../remediation.js'
import { targetProtocol } from '../resilience-session.js'
import { chatExchange, describeOutcome, type Exchange, summarize, traced, uniqueMessage } from '../resilience-support.js'

const rejected = (ex: Exchange) => ex.status === 401 || ex.status === 403
/** Served: the agent really answered (non-empty text), not merely "not 401". */
const served = (ex: Exchange) => ex.outcome?.kind === 'answer'

export const authRequiredCheck: Check = {
  id: 'auth-required',
  category: 'security',
  title: 'The chat API rejects missing and invalid credentials',
  description: 'A chat without credentials and one with an invalid bearer token must get 401/403 when the agent is meant to require auth (target.apiKey set); an open agent is a warning.',
  appliesTo: ['validate'],
  severity: 'fail',
  // Shares the resilience lane: a chat that slips through would add LLM calls to another check's window.
  lock: 'mock-llm',
  // validate --self: the remediation may name the reference agent's own setting.
  options: z.strictObject({ self: z.boolean().default(false) }),
  run: async (ctx): Promise<CheckOutcome> => {
    const t = ctx.config.target
    const protocol = await targetProtocol(ctx)
    if ('status' in protocol) return protocol
    let n = 0
    const send = async (label: string, token?: string) => {
      const p = token ? { ...protocol, request: (turn: Parameters<typeof protocol.request>[0]) => withToken(protocol.request(turn), token) } : protocol
      return chatExchange(p, undefined, ctx.signal, label, { message: uniqueMessage('auth probe'), marker: `auth-required-${process.pid}-${++n}` }, { timeoutMs: 10_000, noAuth: !token })
    }
    const anonymous = await send('no credentials')
    if (anonymous.status === undefined) {
      return traced({ status: 'error', message: `the agent at ${t.url} did not answer (${describeOutcome(anonymous)})`, evidence: { anonymous: summarize(anonymous) }, remediation: 'Start the agent (or use --self) and check --target.' }, anonymous)
    }
    const invalid = await send('invalid bearer token', `agentctl-invalid-${randomUUID()}`)
    const evidence = { apiKeyConfigured: Boolean(t.apiKey), noCredentials: summarize(anonymous), invalidToken: summarize(invalid), wwwAuthenticate: anonymous.headers['www-authenticate'] }
    const remediation = `Require \`Authorization: Bearer <key>\` on every chat route and answer 401 (missing or unknown key) before any work is done; compare keys in constant time.${frameworkOf(ctx) === 'reference' ? ' The reference agent enables this with AGENT_API_KEYS=key:role,…' : ''}`
    // Neither an answer nor a credentials refusal (a 400, a 502, an in-band error): nothing was learnt about auth.
    const unclear = [anonymous, invalid].filter((ex) => !rejected(ex) && !served(ex))
    if (!t.apiKey) {
      if (rejected(anonymous)) return { status: 'pass', message: `the agent rejects anonymous chats (HTTP ${anonymous.status}); set target.apiKey so validate can exercise it`, evidence }
      if (served(anonymous)) return traced({ status: 'warn', message: `the agent serves chats without credentials (an anonymous chat got an answer, HTTP ${anonymous.status}); if that is intended keep it off the internet, else require API keys`, evidence, remediation }, anonymous)
      return traced({ status: 'skip', message: `an anonymous chat got ${describeOutcome(anonymous)}, which is neither an answer nor a credentials refusal, so whether the agent requires credentials can't be told`, evidence, remediation: 'Fix why the agent refuses the chat (see the resilience findings), or set target.apiKey if it requires one.' }, anonymous)
    }
    const leaks = [anonymous, invalid].filter(served)
    if (leaks.length > 0) {
      return traced({ status: 'fail', message: `credentials are not enforced: ${leaks.map((ex) => `${ex.label} → HTTP ${ex.status} with an answer`).join('; ')}`, evidence, remediation }, ...leaks)
    }
    if (unclear.length > 0) {
      return traced({ status: 'skip', message: `credentials could not be judged: ${unclear.map((ex) => `${ex.label} → ${describeOutcome(ex)}`).join('; ')} (neither an answer nor 401/403)`, evidence, remediation: 'A refusal for missing credentials should be 401 (or 403); fix why the agent refuses the chat otherwise.' }, ...unclear)
    }
    return { status: 'pass', message: `missing credentials → HTTP ${anonymous.status}, an invalid token → HTTP ${invalid.status}`, evidence }
  },
}

function withToken<T extends { headers: Record<string, string> }>(wire: T, token: string): T {
  return { ...wire, headers: { ...wire.headers, authorization: `Bearer ${token}` } }
}
