import type { Check, CheckContext, CheckOutcome } from '../../src/check.js'
import { Deadline, type DependencySpec, failureOutcome, type HttpProbeResult, joinUrl, ms, notConfigured, numericHeader, parseEndpoint, probeBudgetMs, probeHttp, shellQuote } from '../../src/probes/index.js'
import { redact } from '../../src/redact.js'
import { API_PROBES, isModelNotFound, type LlmApi } from './apis.js'

const SLOW_MS = 2000
const LOW_REMAINING = 0.1

type HttpOk = Extract<HttpProbeResult, { ok: true }>

export const llmEndpointCheck: Check = {
  id: 'llm-endpoint',
  category: 'connectivity',
  categoryByMode: { validate: 'dependencies', diagnose: 'connectivity' },
  title: 'LLM provider',
  description: 'The LLM provider answers GET /models and a capped call to the API the agent uses (dependencies.llm.api); key, model, latency, rate-limit headroom',
  appliesTo: ['validate', 'diagnose'],
  severity: 'fail',
  async run(ctx: CheckContext): Promise<CheckOutcome> {
    const llm = ctx.config.dependencies.llm
    if (!llm) return notConfigured('LLM provider', 'dependencies.llm.baseUrl', 'AGENTCTL_LLM_BASE_URL', 'https://api.openai.com/v1')
    const ep = parseEndpoint(llm.baseUrl)
    if (!ep) return { status: 'fail', message: 'dependencies.llm.baseUrl is not a valid URL', remediation: 'write it as https://api.openai.com/v1 (the base under which /chat/completions, /responses or /messages lives)' }
    const api = API_PROBES[llm.api]
    const budgetMs = probeBudgetMs(ctx)
    const deadline = new Deadline(budgetMs)
    const headers: Record<string, string> = { accept: 'application/json', ...api.headers(llm.apiKey) }
    const modelsUrl = joinUrl(llm.baseUrl, '/models')
    // The key never goes on a command line we print: the shell expands $LLM_API_KEY.
    const auth = llm.api === 'messages' ? '-H "x-api-key: $LLM_API_KEY" -H "anthropic-version: 2023-06-01"' : '-H "Authorization: Bearer $LLM_API_KEY"'
    const curl = (url: string) => `curl -sS -m 10 ${auth} ${shellQuote(url)}`
    const spec: DependencySpec = { name: 'the LLM provider', service: 'LLM provider', configKey: 'dependencies.llm.baseUrl', envVar: 'AGENTCTL_LLM_BASE_URL', cliCommand: () => curl(modelsUrl), statusCommand: curl(modelsUrl), logsCommand: "the provider's status page" }
    // 1. GET /models: key, model list, rate-limit headroom. Some gateways have none (404/405/501).
    const models = await probeHttp(modelsUrl, { signal: ctx.signal, timeoutMs: deadline.remaining(), headers })
    if (!models.ok) return failureOutcome(spec, ep, models.error, { budgetMs, connected: models.connected, firstBytes: models.firstBytes }, { probe: 'GET /models' })
    const noModels = [404, 405, 501].includes(models.status)
    const listed = noModels ? undefined : judge(models, { probe: 'GET /models', model: llm.model, hasKey: !!llm.apiKey, display: ep.display, curl: curl(modelsUrl), api: llm.api })
    if (listed?.status === 'fail') return listed
    // 2. The API the agent calls (dependencies.llm.api), with the smallest capped request: /models
    // answering says nothing about whether POST /responses or /messages is served.
    if (!llm.model) {
      const why = `no dependencies.llm.model is configured, so the ${api.label} call the agent makes was not tried`
      if (listed) return { ...listed, status: 'warn', message: `${listed.message}; ${why}`, remediation: 'set dependencies.llm.model (or AGENTCTL_LLM_MODEL)' }
      return { status: 'warn', message: `${ep.display} has no /models (HTTP ${models.status}) and ${why}`, remediation: 'set dependencies.llm.model (or AGENTCTL_LLM_MODEL)', evidence: { url: ep.display, httpStatus: models.status } }
    }
    const probe = `${api.label} (${llm.api === 'responses' ? 'max 16 output tokens, the API minimum' : 'max 1 output token'})`
    const res = await probeHttp(joinUrl(llm.baseUrl, api.path), { signal: ctx.signal, timeoutMs: deadline.remaining(), method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(api.body(llm.model)) })
    if (!res.ok) return failureOutcome(spec, ep, res.error, { budgetMs, connected: res.connected, firstBytes: res.firstBytes }, { probe })
    const called = judgeCall(res, { probe, api: llm.api, model: llm.model, hasKey: !!llm.apiKey, display: ep.display, curl: curl(modelsUrl) })
    if (!listed || called.status === 'fail') return called
    const status = listed.status === 'warn' || called.status === 'warn' ? 'warn' : 'pass'
    return { ...listed, status, message: `${listed.message} · ${called.message}`, evidence: { ...listed.evidence, call: called.evidence } }
  },
}

/** The API call's answer: a missing route, a missing model and a foreign answer shape each named. */
function judgeCall(res: HttpOk, c: { probe: string; api: LlmApi; model: string; hasKey: boolean; display: string; curl: string }): CheckOutcome {
  const api = API_PROBES[c.api]
  const say = `${c.probe} → HTTP ${res.status} in ${ms(res.latencyMs)}`
  const evidence = { url: c.display, probe: c.probe, api: c.api, httpStatus: res.status, latencyMs: res.latencyMs, ...(errorMessage(res.body) ? { providerError: errorMessage(res.body) } : {}) }
  if (res.status === 404 && isModelNotFound(res.body)) {
    return { status: 'fail', message: `the provider does not know model "${c.model}" (${say}: ${errorMessage(res.body)})`, remediation: 'fix dependencies.llm.model / LLM_MODEL to a model the provider serves', evidence }
  }
  if ([404, 405, 501].includes(res.status)) {
    return { status: 'fail', message: `the provider does not serve ${api.label} (${say}) — dependencies.llm.api is "${c.api}"`, remediation: `set dependencies.llm.api to the API the agent calls and the provider serves (chat | responses | messages), or point dependencies.llm.baseUrl at a provider that serves ${api.label}`, evidence }
  }
  if (res.status >= 200 && res.status < 300) {
    const wrong = api.wrongShape(res.body)
    if (wrong) return { status: 'fail', message: `${say}, but the body has ${wrong}`, remediation: `check dependencies.llm.api ("${c.api}") matches what the provider at dependencies.llm.baseUrl speaks`, evidence }
    const slow = res.latencyMs > SLOW_MS
    return { status: slow ? 'warn' : 'pass', message: slow ? `${say}; slow for the smallest call` : say, evidence }
  }
  return judge(res, { ...c, curl: c.curl })
}

function judge(res: HttpOk, c: { probe: string; model?: string; hasKey: boolean; display: string; curl: string; api: LlmApi }): CheckOutcome {
  const limits = rateLimits(res.headers)
  const providerError = errorMessage(res.body)
  const evidence: Record<string, unknown> = { url: c.display, probe: c.probe, httpStatus: res.status, latencyMs: res.latencyMs, ...limits, ...(providerError ? { providerError } : {}) }
  const say = `${c.probe} → HTTP ${res.status} in ${ms(res.latencyMs)}`
  if (res.status === 401 || res.status === 403) {
    return { status: 'fail', message: `the provider rejected ${c.hasKey ? 'the API key' : 'the request: no API key is configured'} (${say}${providerError ? `: ${providerError}` : ''})`, remediation: `set dependencies.llm.apiKey: \${LLM_API_KEY} (or AGENTCTL_LLM_API_KEY) to a valid key${c.api === 'messages' ? ' (sent as x-api-key)' : ''}; test it: \`${c.curl}\``, evidence }
  }
  // Anthropic's billing_error is a 402 (https://docs.anthropic.com/en/api/errors).
  if (res.status === 429 || res.status === 402) {
    const quota = res.status === 402 || /insufficient_quota|quota|billing|credit balance/i.test(res.body)
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
    const [which, kind] = key.split('_') as [string, string]
    // OpenAI's x-ratelimit-remaining-requests, or Anthropic's anthropic-ratelimit-requests-remaining.
    const value = numericHeader(headers, `x-ratelimit-${which}-${kind}`) ?? numericHeader(headers, `anthropic-ratelimit-${kind}-${which}`)
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
