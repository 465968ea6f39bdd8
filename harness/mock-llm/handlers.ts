import { http, type HttpHandler } from 'msw'
import type { MockLlmEngine } from './engine.js'
import { jsonResponse } from './errors.js'
import { FORMATS } from './formats/index.js'
import { materialize, requestJson, requestText } from './wire.js'
import { SCENARIOS, ScenarioError } from './faults/index.js'

/** The path of an absolute URL without allocating a URL object (this runs on every request). */
function pathOf(url: string): string {
  const start = url.indexOf('/', url.indexOf('//') + 2)
  if (start < 0) return '/'
  const query = url.indexOf('?', start)
  return query < 0 ? url.slice(start) : url.slice(start, query)
}

/**
 * The mock's msw handlers: the OpenAI API, the control API and /health. With `origin` they only
 * answer that origin (in-process: other fetches in the user's tests stay untouched).
 */
export function mockLlmHandlers(engine: MockLlmEngine, origin?: string): HttpHandler[] {
  // In-process, fetch callers read the Response itself; the node:http adapter reads the prepared answer.
  const finish = origin === undefined ? (r: Response) => r : materialize
  const route = (path: string) => ({ request }: { request: Request }) =>
    (origin === undefined || request.url.startsWith(origin)) && pathOf(request.url) === path
  const createdAt = Math.floor(Date.now() / 1000)
  return [
    // Hot paths first: msw tries handlers in order.
    ...FORMATS.map((format) => http.post(route(format.path), async ({ request }) => finish(await engine.chat(request, format)))),
    http.get(route('/v1/models'), () =>
      finish(jsonResponse({ object: 'list', data: engine.models.map((id) => ({ id, object: 'model', created: createdAt, owned_by: 'agentctl-mock-llm' })) })),
    ),
    // Any id answers, as any model name is accepted in requests.
    http.get(({ request }) => (origin === undefined || request.url.startsWith(origin)) && pathOf(request.url).startsWith('/v1/models/'), ({ request }) =>
      finish(jsonResponse({ id: decodeURIComponent(pathOf(request.url).slice('/v1/models/'.length)), object: 'model', created: createdAt, owned_by: 'agentctl-mock-llm' })),
    ),
    http.put(route('/__mock/scenario'), async ({ request }) => finish(await setScenario(engine, request))),
    http.get(route('/__mock/stats'), ({ request }) => finish(jsonResponse(engine.stats(new URL(request.url).searchParams.get('marker') ?? undefined)))),
    http.post(route('/__mock/reset'), () => finish(jsonResponse({ scenario: engine.reset() }))),
    http.get(route('/__mock/scenarios'), () => finish(jsonResponse({ scenarios: SCENARIOS }))),
    http.get(route('/health'), () => finish(jsonResponse({ status: 'ok' }))),
    // Last: any other route on the mock's origin is logged and answered 404 in the caller's format.
    http.all(({ request }) => origin === undefined || request.url.startsWith(origin), async ({ request }) => finish(await unserved(engine, request))),
  ]
}

async function unserved(engine: MockLlmEngine, request: Request): Promise<Response> {
  const text = request.method === 'GET' || request.method === 'HEAD' ? undefined : await requestText(request).catch(() => undefined)
  return engine.unserved(request.method, pathOf(request.url), request.headers.has('anthropic-version'), text)
}

async function setScenario(engine: MockLlmEngine, request: Request): Promise<Response> {
  let body: Record<string, unknown>
  try {
    body = (await requestJson(request)) as Record<string, unknown>
  } catch {
    return controlError('the body must be JSON: {"name": "<scenario>", ...params}', 'name')
  }
  const { name, ...params } = body ?? {}
  if (typeof name !== 'string') return controlError('"name" is required', 'name')
  try {
    return jsonResponse({ scenario: engine.setScenario(name, params) })
  } catch (error) {
    if (error instanceof ScenarioError) return controlError(error.message, 'name')
    throw error
  }
}

/** A 400 in OpenAI's error shape, plus the valid scenario names as data for clients. */
function controlError(message: string, param: string): Response {
  return jsonResponse({ error: { message, type: 'invalid_request_error', param, code: 'invalid_scenario' }, scenarios: SCENARIOS.map((s) => s.name) }, 400)
}
