import { randomUUID } from 'node:crypto'
import type { Check, CheckOutcome } from '../../src/check.js'
import { type AgentTarget, type Exchange, exchange, summarize, uniqueMessage } from '../resilience-support.js'

const rejected = (ex: Exchange) => ex.status === 401 || ex.status === 403

export const authRequiredCheck: Check = {
  id: 'auth-required',
  category: 'security',
  title: 'The chat API rejects missing and invalid credentials',
  description: 'A chat without credentials and one with an invalid bearer token must get 401/403 when the agent is meant to require auth (target.apiKey set); an open agent is a warning.',
  appliesTo: ['validate'],
  severity: 'fail',
  // Shares the resilience lane: a chat that slips through would add LLM calls to another check's window.
  lock: 'mock-llm',
  run: async (ctx): Promise<CheckOutcome> => {
    const t = ctx.config.target
    const target: AgentTarget = { url: t.url, chatPath: t.chatPath, healthPath: t.healthPath }
    const send = (label: string, headers: Record<string, string>) => exchange(target, undefined, ctx.signal, label, { body: { message: uniqueMessage('auth probe') }, headers, timeoutMs: 10_000, auth: false })
    const anonymous = await send('no credentials', {})
    if (anonymous.status === undefined) {
      return { status: 'error', message: `the agent at ${t.url} did not answer (${anonymous.error})`, evidence: { anonymous: summarize(anonymous) }, remediation: 'Start the agent (or use --self) and check --target.' }
    }
    const invalid = await send('invalid bearer token', { authorization: `Bearer agentctl-invalid-${randomUUID()}` })
    const evidence = { apiKeyConfigured: Boolean(t.apiKey), noCredentials: summarize(anonymous), invalidToken: summarize(invalid), wwwAuthenticate: anonymous.headers['www-authenticate'] }
    const remediation = 'Require `Authorization: Bearer <key>` on every chat route and answer 401 (missing or unknown key) before any work is done; compare keys in constant time. The reference agent enables this with AGENT_API_KEYS=key:role,…'
    if (!t.apiKey) {
      if (rejected(anonymous)) return { status: 'pass', message: `the agent rejects anonymous chats (HTTP ${anonymous.status}); set target.apiKey so validate can exercise it`, evidence }
      return { status: 'warn', message: `the agent serves chats without credentials (HTTP ${anonymous.status}); if that is intended keep it off the internet, else require API keys`, evidence, remediation }
    }
    const leaks = [anonymous, invalid].filter((ex) => !rejected(ex))
    if (leaks.length > 0) {
      return { status: 'fail', message: `credentials are not enforced: ${leaks.map((ex) => `${ex.label} → HTTP ${ex.status ?? ex.error}`).join('; ')}`, evidence, remediation }
    }
    return { status: 'pass', message: `missing credentials → HTTP ${anonymous.status}, an invalid token → HTTP ${invalid.status}`, evidence }
  },
}
