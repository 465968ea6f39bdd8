import { describe, expect, it } from 'vitest'
import { llmTrafficProblem } from './diagnosis.js'

const call = (api: string, method: string, path: string) => ({ api, method, path })

describe('llmTrafficProblem', () => {
  it('is silent when every call reached a served API', () => {
    expect(llmTrafficProblem({ total: 2, calls: [call('responses', 'POST', '/v1/responses'), call('chat', 'POST', '/v1/chat/completions')] })).toBeUndefined()
  })

  it('says when no call reached the mock, with the base URLs to use', () => {
    expect(llmTrafficProblem({ total: 0, calls: [] }, 'http://127.0.0.1:4010/v1')).toBe(
      "the mock LLM received no calls, so the agent's LLM traffic does not go through it: point the agent's LLM base URL at the mock (OpenAI SDKs: http://127.0.0.1:4010/v1; Anthropic SDKs: http://127.0.0.1:4010)",
    )
  })

  it('names the unserved route the agent called', () => {
    expect(llmTrafficProblem({ total: 0, calls: [call('unserved', 'POST', '/v1/embeddings'), call('unserved', 'POST', '/v1/embeddings')] })).toBe(
      'the agent called POST /v1/embeddings (2 calls), which the mock LLM does not serve (it answered 404; it serves POST /v1/chat/completions, POST /v1/responses, POST /v1/messages)',
    )
  })

  it('spots a base URL with a segment too many or too few', () => {
    const extra = llmTrafficProblem({ total: 0, calls: [call('unserved', 'POST', '/v1/v1/messages')] }, 'http://m:1')
    expect(extra).toMatch(/^the agent called POST \/v1\/v1\/messages, which the mock LLM does not serve .*; that is \/v1\/messages under an extra "\/v1": the agent's LLM base URL has one path segment too many \(OpenAI SDKs: http:\/\/m:1\/v1; Anthropic SDKs: http:\/\/m:1\)$/)
    expect(llmTrafficProblem({ total: 1, calls: [call('chat', 'POST', '/v1/chat/completions'), call('unserved', 'POST', '/responses')] })).toMatch(
      /^1 of the agent's 2 LLM calls went to POST \/responses, .*; that is \/v1\/responses without its "\/v1": the agent's LLM base URL lacks "\/v1"$/,
    )
  })
})
