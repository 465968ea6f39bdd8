import type { Check, CheckContext, CheckOutcome } from '../../src/check.js'
import { Deadline, type DependencySpec, failureOutcome, type HttpProbeResult, joinUrl, ms, notConfigured, numericHeader, parseEndpoint, probeBudgetMs, probeHttp, shellQuote } from '../../src/probes/index.js'
import { redact } from '../../src/redact.js'

const SLOW_MS = 2000
const LOW_REMAINING = 0.1

type HttpOk = Extract<HttpProbeResult, { ok: true }>

export const llmEndpointCheck: Check = {
  id: 'llm-endpoint',
  category: 'connectivity',
  categoryByMode: { validate: 'dependencies', diagnose: 'connectivity' },
  title: 'LLM provider',
  description: 'The LLM provider answers the cheapest bounded call (GET /models, else a 1-token completion); key, model, latency, rate-limit headroom',
  appliesTo: ['validate', 'diagnose'],
  severity: 'fail',
  async run(ctx: CheckContext): Promise<CheckOutcome> {
    const llm = ctx.config.dependencies.llm
    if (!llm) return notConfigured('The LLM provider', 'dependencies.llm.baseUrl', 'AGENTCTL_LLM_BASE_URL', 'https://api.openai.com/v1')
    const ep = parseEndpoint(llm.baseUrl)
    if (!ep) return { status: 'fail', message: 'dependencies.llm.baseUrl is not a valid URL', remediation: 'write it as https://api.openai.com/v1 (the base under which /chat/completions lives)' }
    const budgetMs = probeBudgetMs(ctx)
    const deadline = new Deadline(budgetMs)
    const headers: Record<string, string> = { accept: 'application/json', ...(llm.apiKey ? { authorization: `Bearer ${llm.apiKey}` } : {}) }
    const modelsUrl = joinUrl(llm.baseUrl, '/models')
    // The key never goes on a command line we print: the shell expands $LLM_API_KEY.
    const curl = (url: string) => `curl -sS -m 10 -H "Authorization: Bearer $LLM_API_KEY" ${shellQuote(url)}`
    const spec: DependencySpec = { name: 'the LLM provider', service: 'LLM provider', configKey: 'dependencies.llm.baseUrl', envVar: 'AGENTCTL_LLM_BASE_URL', cliCommand: () => curl(modelsUrl), statusCommand: curl(modelsUrl), logsCommand: "the provider's status page" }
    let probe = 'GET /models'
    let res = await probeHttp(modelsUrl, { signal: ctx.signal, timeoutMs: deadline.remaining(), headers })
    if (res.ok && [404, 405, 501].includes(res.status)) {
      // Some OpenAI-compatible gateways have no /models; a 1-token completion is the next cheapest call.
      if (!llm.model) return { status: 'warn', message: `${ep.display} has no /models (HTTP ${res.status}) and no model is configured to try a 1-token completion`, remediation: 'set dependencies.llm.model (or AGENTCTL_LLM_MODEL)', evidence: { url: ep.display, httpStatus: res.status } }
      probe = 'POST /chat/completions (1 token)'
      res = await probeHttp(joinUrl(llm.baseUrl, '/chat/completions'), { signal: ctx.signal, timeoutMs: deadline.remaining(), method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ model: llm.model, messages: [{ role: 'user', content: 'ping' }], max_tokens: 1 }) })
    }
    if (!res.ok) return failureOutcome(spec, ep, res.error, { budgetMs, connected: res.connected, firstBytes: res.firstBytes }, { probe })
    return judge(res, { probe, model: llm.model, hasKey: !!llm.apiKey, display: ep.display, curl: curl(modelsUrl) })
  },
}

function judge(res: HttpOk, c: { probe: string; model?: string; hasKey: boolean; display: string; curl: string }): CheckOutcome {
  const limits = rateLimits(res.headers)
  const providerError = errorMessage(res.body)
  const evidence: Record<string, unknown> = { url: c.display, probe: c.probe, httpStatus: res.status, latencyMs: res.latencyMs, ...limits, ...(providerError ? { providerError } : {}) }
  const say = `${c.probe} → HTTP ${res.status} in ${ms(res.latencyMs)}`
  if (res.status === 401 || res.status === 403) {
    return { status: 'fail', message: `the provider rejected ${c.hasKey ? 'the API key' : 'the request: no API key is configured'} (${say}${providerError ? `: ${providerError}` : ''})`, remediation: `set dependencies.llm.apiKey: \${LLM_API_KEY} (or AGENTCTL_LLM_API_KEY) to a valid key; test it: \`${c.curl}\``, evidence }
  }
  if (res.status === 429) {
    const quota = /insufficient_quota|quota|billing/i.test(res.body)
    const retryAfter = res.headers['retry-after']
    return { status: 'fail', message: quota ? `the account's quota is exhausted (${say}${providerError ? `: ${providerError}` : ''}) — every agent call fails until billing is fixed` : `rate limited right now (${say}${retryAfter ? `, retry-after ${retryAfter}s` : ''})`, remediation: quota ? "top up or raise the spend limit in the provider's billing console; switch traffic to a fallback model/provider meanwhile" : "lower the agents' concurrency or request a higher rate limit; confirm the agent honours Retry-After", evidence: { ...evidence, ...(retryAfter ? { retryAfter } : {}) } }
  }
  if (res.status >= 500) return { status: 'fail', message: `the provider is failing (${say}${providerError ? `: ${providerError}` : ''})`, remediation: "check the provider's status page; fail over to the fallback model/provider (LLM_FALLBACK_MODELS)", evidence }
  if (res.status < 200 || res.status >= 300) return { status: 'fail', message: `unexpected answer (${say}${providerError ? `: ${providerError}` : ''})`, remediation: `check dependencies.llm.baseUrl is the API base (it usually ends in /v1): \`${c.curl}\``, evidence }
  const warnings: string[] = []
  if (c.probe.startsWith('GET') && c.model) {
    const ids = modelIds(res.body)
    evidence.modelsListed = ids?.length ?? null
    if (ids && !ids.includes(c.model)) warnings.push(`model "${c.model}" is not in the provider's /models list (${ids.slice(0, 5).join(', ')}${ids.length > 5 ? ', …' : ''})`)
  }
  for (const kind of ['requests', 'tokens'] as const) {
    const remaining = limits[`remaining_${kind}`]
    const limit = limits[`limit_${kind}`]
    if (remaining !== undefined && limit && remaining / limit < LOW_REMAINING) warnings.push(`only ${remaining} of ${limit} ${kind} left in the current rate-limit window`)
  }
  if (res.latencyMs > SLOW_MS) warnings.push(`slow: ${ms(res.latencyMs)} for the cheapest call`)
  if (warnings.length) return { status: 'warn', message: `${say}; ${warnings.join('; ')}`, remediation: `fix the model name in dependencies.llm.model / LLM_MODEL, or lower concurrency until the window resets; \`${c.curl}\``, evidence }
  const headroom = limits.remaining_requests !== undefined ? ` · ${limits.remaining_requests} requests / ${limits.remaining_tokens ?? '?'} tokens left in window` : ''
  return { status: 'pass', message: `${say}${headroom}`, evidence }
}

function rateLimits(headers: Record<string, string>): Partial<Record<'remaining_requests' | 'remaining_tokens' | 'limit_requests' | 'limit_tokens', number>> {
  const out: Partial<Record<'remaining_requests' | 'remaining_tokens' | 'limit_requests' | 'limit_tokens', number>> = {}
  for (const key of ['remaining_requests', 'remaining_tokens', 'limit_requests', 'limit_tokens'] as const) {
    const value = numericHeader(headers, `x-ratelimit-${key.replace('_', '-')}`)
    if (value !== undefined) out[key] = value
  }
  return out
}

function errorMessage(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { error?: { message?: string; code?: string } | string }
    const e = parsed.error
    if (!e) return undefined
    return redact(typeof e === 'string' ? e : [e.code, e.message].filter(Boolean).join(': ')).slice(0, 200)
  } catch {
    return undefined
  }
}

function modelIds(body: string): string[] | undefined {
  try {
    const parsed = JSON.parse(body) as { data?: Array<{ id?: string }> }
    return Array.isArray(parsed.data) ? parsed.data.map((m) => String(m.id)) : undefined
  } catch {
    return undefined
  }
}
