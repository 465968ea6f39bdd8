/**
 * What the mock's call log says about how the agent reaches its LLM, in one sentence for a finding
 * (docs/CONTRACTS.md #2). Resilience checks call it when a verdict depends on the agent's LLM calls
 * and those calls went to a route the mock does not serve, or never arrived.
 */
import { FORMATS } from './formats/index.js'

/** The fields this reads; the control API's MockLlmStats (and older checks' copies of it) fit. */
export interface LlmTrafficStats {
  total: number
  calls: Array<{ api?: string; method?: string; path?: string }>
}

const SERVED = FORMATS.map((f) => `POST ${f.path}`).join(', ')

/** A path that is a served route with a prefix too many or too few: the usual base-URL slip. */
function baseUrlSlip(method: string, path: string): string | undefined {
  if (method !== 'POST') return undefined
  for (const format of FORMATS) {
    if (path.endsWith(format.path) && path !== format.path) {
      const extra = path.slice(0, -format.path.length)
      return `that is ${format.path} under an extra "${extra}": the agent's LLM base URL has one path segment too many`
    }
    if (format.path.endsWith(path)) {
      const missing = format.path.slice(0, -path.length)
      return `that is ${format.path} without its "${missing}": the agent's LLM base URL lacks "${missing}"`
    }
  }
  return undefined
}

/**
 * A sentence naming the API the agent called when its LLM calls hit routes the mock does not
 * serve ("the agent called POST /v1/embeddings, which the mock LLM does not serve …"), or when none
 * reached the mock; undefined when every call went to a served API. `mockUrl` (the mock's root)
 * makes the advice concrete.
 */
export function llmTrafficProblem(stats: LlmTrafficStats, mockUrl?: string): string | undefined {
  const unserved = stats.calls.filter((c) => c.api === 'unserved')
  const base = mockUrl ? mockUrl.replace(/\/+$/, '').replace(/\/v1$/, '') : undefined
  const where = base ? ` (OpenAI SDKs: ${base}/v1; Anthropic SDKs: ${base})` : ''
  if (unserved.length === 0) {
    if (stats.total > 0 || stats.calls.length > 0) return undefined
    return `the mock LLM received no calls, so the agent's LLM traffic does not go through it: point the agent's LLM base URL at the mock${where}`
  }
  const routes = new Map<string, number>()
  for (const call of unserved) {
    const route = `${call.method ?? '?'} ${call.path ?? '?'}`
    routes.set(route, (routes.get(route) ?? 0) + 1)
  }
  const [first] = [...routes.keys()]
  const [method, path] = first!.split(' ') as [string, string]
  const listed = [...routes].map(([route, n]) => (n > 1 ? `${route} (${n} calls)` : route)).join(', ')
  const share = stats.total > 0 ? `${unserved.length} of the agent's ${unserved.length + stats.total} LLM calls went to ${listed}` : `the agent called ${listed}`
  const slip = baseUrlSlip(method, path)
  return `${share}, which the mock LLM does not serve (it answered 404; it serves ${SERVED})${slip ? `; ${slip}${where}` : ''}`
}
