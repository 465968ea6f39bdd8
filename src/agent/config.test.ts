import { describe, expect, it } from 'vitest'
import { AgentConfigError, loadAgentConfig } from './config.js'

describe('loadAgentConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadAgentConfig({})
    expect(config).toMatchObject({ port: 8080, host: '127.0.0.1', openAccess: true, maxIterations: 6, contextTokenBudget: 8000, promptInjectionMode: 'flag' })
    expect(config.llm).toMatchObject({ baseUrl: 'http://127.0.0.1:4010/v1', models: ['gpt-4o-mini', 'gpt-4.1-mini'], timeoutMs: 30_000, maxRetries: 3 })
  })

  it('binds all interfaces only when API keys are configured', () => {
    expect(loadAgentConfig({ AGENT_API_KEYS: 'k1:admin' }).host).toBe('0.0.0.0')
    expect(loadAgentConfig({ AGENT_API_KEYS: 'k1', HOST: '10.0.0.1' }).host).toBe('10.0.0.1')
  })

  it('parses lists, removes duplicate models, accepts `none`', () => {
    expect(loadAgentConfig({ LLM_MODEL: 'a', LLM_FALLBACK_MODELS: 'b, a ,c' }).llm.models).toEqual(['a', 'b', 'c'])
    expect(loadAgentConfig({ LLM_FALLBACK_MODELS: 'none' }).llm.models).toEqual(['gpt-4o-mini'])
    expect(loadAgentConfig({ HTTP_GET_ALLOWLIST: 'example.com,*.docs.io' }).httpGetAllowlist).toEqual(['example.com', '*.docs.io'])
  })

  it('names the variable on a bad value', () => {
    expect(() => loadAgentConfig({ LLM_TIMEOUT_MS: 'soon' })).toThrow(AgentConfigError)
    expect(() => loadAgentConfig({ LLM_TIMEOUT_MS: 'soon' })).toThrow(/LLM_TIMEOUT_MS/)
    expect(() => loadAgentConfig({ PROMPT_INJECTION_MODE: 'maybe' })).toThrow(/PROMPT_INJECTION_MODE/)
    expect(() => loadAgentConfig({ DATABASE_URL: 'not a url' })).toThrow(/DATABASE_URL/)
  })
})
