import { describe, expect, it } from 'vitest'
import { AgentConfigError, assertSafeBind, loadAgentConfig } from './config.js'

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

  it('refuses to serve without keys on a non-loopback interface unless explicitly allowed', () => {
    expect(() => assertSafeBind(loadAgentConfig({ HOST: '0.0.0.0' }))).toThrow(/AGENT_API_KEYS is unset.*0\.0\.0\.0.*AGENT_ALLOW_UNAUTHENTICATED/)
    expect(() => assertSafeBind({ ...loadAgentConfig({}), host: '::' })).toThrow(AgentConfigError) // --host overrides HOST
    for (const env of [{}, { HOST: 'localhost' }, { HOST: '::1' }, { HOST: '0.0.0.0', AGENT_API_KEYS: 'k1' }, { HOST: '0.0.0.0', AGENT_ALLOW_UNAUTHENTICATED: 'true' }]) {
      expect(() => assertSafeBind(loadAgentConfig(env))).not.toThrow()
    }
  })

  it('refuses an AGENT_API_KEYS that would start another agent than the one asked for, without quoting a key', () => {
    const refused = (value: string) => {
      try {
        loadAgentConfig({ AGENT_API_KEYS: value })
      } catch (error) {
        expect(error).toBeInstanceOf(AgentConfigError)
        return (error as Error).message
      }
      throw new Error(`AGENT_API_KEYS=${value} was accepted`)
    }
    // ',' parsed to no key: auth off, yet bound to every interface as for keys, with no warning.
    expect(refused(',')).toMatch(/^invalid agent configuration: AGENT_API_KEYS: names no key: give key:role entries, or unset it/)
    expect(refused(' , ')).toMatch(/AGENT_API_KEYS: names no key/)
    // A misspelled role made a key that may call no tool.
    const role = refused('sk-live-1:admin,sk-live-2:admn')
    expect(role).toMatch(/AGENT_API_KEYS: entry 2: what follows its last ':' is not a role \(admin, user, readonly\); a key that holds ':' itself needs its role written after it \(key:user\)$/)
    // Space-separated: one key of both, which no caller can present.
    const spaced = refused('sk-live-1:admin sk-live-2:user')
    expect(spaced).toMatch(/AGENT_API_KEYS: entry 1 holds whitespace: separate keys with commas/)
    expect(refused(':admin')).toMatch(/AGENT_API_KEYS: entry 1 has no key before its ':'$/)
    expect(refused('sk-live-1:')).toMatch(/AGENT_API_KEYS: entry 1 ends in ':' with no role after it \(one of admin, user, readonly\)$/)
    for (const message of [role, spaced]) expect(message).not.toMatch(/sk-live|admn/)
    // What the grammar always allowed still loads: no role (user), colons inside a key, a trailing comma.
    expect(loadAgentConfig({ AGENT_API_KEYS: 'alpha-key-123:admin, beta-key-456 ,gamma:key:789:readonly,key:with:789,' }).openAccess).toBe(false)
  })

  it('parses lists, removes duplicate models, accepts `none`', () => {
    expect(loadAgentConfig({ LLM_MODEL: 'a', LLM_FALLBACK_MODELS: 'b, a ,c' }).llm.models).toEqual(['a', 'b', 'c'])
    expect(loadAgentConfig({ LLM_FALLBACK_MODELS: 'none' }).llm.models).toEqual(['gpt-4o-mini'])
    expect(loadAgentConfig({ HTTP_GET_ALLOWLIST: 'example.com,*.docs.io' }).httpGetAllowlist).toEqual(['example.com', '*.docs.io'])
  })

  it('exports OTLP as protobuf unless told JSON; refuses grpc, naming the port to use instead', () => {
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }
    expect(loadAgentConfig({}).tracing).toBeUndefined()
    expect(loadAgentConfig(endpoint).tracing).toMatchObject({ url: 'http://collector:4318/v1/traces', serviceName: 'agentctl-agent', protocol: 'http/protobuf' })
    // The batch span processor's settings, by the specification's OTEL_BSP_* names (the SDK no longer reads them).
    expect(loadAgentConfig({ ...endpoint, OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '128' }).tracing?.batch).toEqual({ scheduledDelayMillis: 5000, maxExportBatchSize: 128, maxQueueSize: 2048, exportTimeoutMillis: 30_000 })
    expect(loadAgentConfig({ ...endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }).tracing?.protocol).toBe('http/json')
    // The signal-specific variable wins, as the OpenTelemetry specification has it.
    expect(loadAgentConfig({ ...endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf' }).tracing?.protocol).toBe('http/protobuf')
    expect(() => loadAgentConfig({ ...endpoint, OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '4096' })).toThrow(/OTEL_BSP_MAX_EXPORT_BATCH_SIZE: 4096 is larger than the default OTEL_BSP_MAX_QUEUE_SIZE \(2048\)/)
    expect(() => loadAgentConfig({ ...endpoint, OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '64', OTEL_BSP_MAX_QUEUE_SIZE: '32' })).toThrow(/OTEL_BSP_MAX_EXPORT_BATCH_SIZE: 64 is larger than OTEL_BSP_MAX_QUEUE_SIZE \(32\); a batch/)
    expect(() => loadAgentConfig({ ...endpoint, OTEL_BSP_MAX_EXPORT_BATCH_SIZE: 'abc' })).toThrow(/OTEL_BSP_MAX_EXPORT_BATCH_SIZE: expected a whole number of at least 1, got "abc"$/)
    expect(() => loadAgentConfig({ ...endpoint, OTEL_BSP_SCHEDULE_DELAY: '0' })).toThrow(/OTEL_BSP_SCHEDULE_DELAY: expected a whole number of at least 1, got 0$/)
    expect(() => loadAgentConfig({ ...endpoint, OTEL_BSP_EXPORT_TIMEOUT: '1.5' })).toThrow(/OTEL_BSP_EXPORT_TIMEOUT: expected a whole number of at least 1, got 1.5$/)
    // Tracing off: the platform's OTEL_BSP_* are none of the agent's business, as the sampler's are not.
    expect(loadAgentConfig({ OTEL_BSP_SCHEDULE_DELAY: 'abc', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '4096' }).tracing).toBeUndefined()
    // Without a scheme, `localhost:4317` would parse as a URL of scheme "localhost:" and fail only at export.
    expect(() => loadAgentConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'localhost:4317' })).toThrow(/OTEL_EXPORTER_OTLP_ENDPOINT: expected an http:\/\/ or https:\/\/ URL, the collector's OTLP\/HTTP endpoint \(e\.g\. http:\/\/localhost:4318\), got "localhost:4317"/)
    expect(() => loadAgentConfig({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'ftp://collector/v1/traces' })).toThrow(/OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: expected an http/)
    expect(loadAgentConfig({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://collector.example/v1/traces' }).tracing?.url).toBe('https://collector.example/v1/traces')
    expect(() => loadAgentConfig({ ...endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toThrow(/OTEL_EXPORTER_OTLP_PROTOCOL: grpc is not supported: point the agent at the collector's OTLP\/HTTP port \(4318\) and use http\/protobuf or http\/json, got "grpc"$/)
    // The specification's values are lower case: say so, rather than talk about grpc.
    expect(() => loadAgentConfig({ ...endpoint, OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'HTTP/JSON' })).toThrow(/OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: expected http\/json in lower case, got "HTTP\/JSON"$/)
    expect(() => loadAgentConfig({ ...endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'protobuf' })).toThrow(/OTEL_EXPORTER_OTLP_PROTOCOL: expected http\/protobuf or http\/json, got "protobuf"$/)
    // Errors that involve two variables read like the others.
    expect(() => loadAgentConfig({ ...endpoint, OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '4096' })).toThrow(/^invalid agent configuration: OTEL_BSP_MAX_EXPORT_BATCH_SIZE/)
  })

  it("reads the SDK's sampler and attribute limit variables, and refuses a sampler the SDK would silently replace", () => {
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }
    expect(loadAgentConfig(endpoint).tracing).toMatchObject({ sampler: { name: 'parentbased_always_on', ratio: 1 }, valueLengthLimit: Infinity })
    expect(loadAgentConfig({ ...endpoint, OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25' }).tracing?.sampler).toEqual({ name: 'traceidratio', ratio: 0.25 })
    expect(loadAgentConfig({ ...endpoint, OTEL_TRACES_SAMPLER: 'parentbased_traceidratio' }).tracing?.sampler).toEqual({ name: 'parentbased_traceidratio', ratio: 1 }) // the specification's default
    // Case-insensitive, as the specification asks of enum values.
    expect(loadAgentConfig({ ...endpoint, OTEL_TRACES_SAMPLER: 'ALWAYS_OFF' }).tracing?.sampler.name).toBe('always_off')
    // Another sampler's argument is not read (a jaeger_remote one is not a number).
    expect(loadAgentConfig({ ...endpoint, OTEL_TRACES_SAMPLER_ARG: 'endpoint=http://jaeger:14250' }).tracing?.sampler).toEqual({ name: 'parentbased_always_on', ratio: 1 })
    expect(loadAgentConfig({ ...endpoint, OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: '100' }).tracing?.valueLengthLimit).toBe(100)
    expect(loadAgentConfig({ ...endpoint, OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: '100', OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT: '8' }).tracing?.valueLengthLimit).toBe(8)
    // The SDK logs these to a diag logger nobody set and goes on with another sampler or ratio.
    expect(() => loadAgentConfig({ ...endpoint, OTEL_TRACES_SAMPLER: 'xray' })).toThrow(/^invalid agent configuration: OTEL_TRACES_SAMPLER: the agent's OpenTelemetry SDK has no sampler "xray"; expected one of always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off, parentbased_traceidratio$/)
    expect(() => loadAgentConfig({ ...endpoint, OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '10%' })).toThrow(/^invalid agent configuration: OTEL_TRACES_SAMPLER_ARG: expected the fraction of traces to record, a number from 0 to 1, got "10%"$/)
    expect(() => loadAgentConfig({ ...endpoint, OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '1.5' })).toThrow(/OTEL_TRACES_SAMPLER_ARG: expected the fraction of traces to record, a number from 0 to 1, got "1.5"$/)
    // Tracing off: a platform's fleet-wide sampler setting is none of the agent's business.
    expect(loadAgentConfig({ OTEL_TRACES_SAMPLER: 'xray', OTEL_TRACES_SAMPLER_ARG: 'whatever' }).tracing).toBeUndefined()
    // 0 is no limit to the SDK (with a warning nobody sees): say so instead.
    expect(() => loadAgentConfig({ ...endpoint, OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT: '0' })).toThrow(/^invalid agent configuration: OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT: expected a whole number of at least 1, got 0 \(characters; unset for no limit\)$/)
    expect(() => loadAgentConfig({ ...endpoint, OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: 'short' })).toThrow(/OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: expected a whole number of at least 1, got "short" \(characters; unset for no limit\)$/)
    // Only the limit in use is read: the span one wins, the general one is then not the agent's concern.
    expect(loadAgentConfig({ ...endpoint, OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT: '10', OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: '0' }).tracing?.valueLengthLimit).toBe(10)
    expect(loadAgentConfig({ OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT: '0' }).tracing).toBeUndefined() // tracing off
  })

  it('keeps DB_POOL_MIN warm connections: 2 by default, never more than DB_POOL_MAX', () => {
    expect(loadAgentConfig({}).dbPoolMin).toBe(2)
    expect(loadAgentConfig({ DB_POOL_MAX: '1' }).dbPoolMin).toBe(1) // the default shrinks with a small pool
    expect(loadAgentConfig({ DB_POOL_MIN: '0' }).dbPoolMin).toBe(0)
    expect(loadAgentConfig({ DB_POOL_MIN: '20', DB_POOL_MAX: '20' }).dbPoolMin).toBe(20)
    const database = { DATABASE_URL: 'postgres://agent@db:5432/agent' }
    expect(() => loadAgentConfig({ ...database, DB_POOL_MIN: '12' })).toThrow(/^invalid agent configuration: DB_POOL_MIN: 12 is larger than DB_POOL_MAX \(10\).*lower DB_POOL_MIN or raise DB_POOL_MAX/)
    // Embedded PGlite (no DATABASE_URL) opens no pool: nothing to refuse.
    expect(loadAgentConfig({ DB_POOL_MIN: '12' }).dbPoolMin).toBe(10)
    expect(() => loadAgentConfig({ DB_POOL_MIN: 'two' })).toThrow(/DB_POOL_MIN: expected a whole number from 0 to 500, got "two"$/)
    expect(() => loadAgentConfig({ DB_POOL_MIN: '-1' })).toThrow(/DB_POOL_MIN: expected a whole number from 0 to 500, got -1$/) // not zod's "Too small: expected number to be >=0"
    expect(() => loadAgentConfig({ PORT: '70000' })).toThrow(/PORT: expected a whole number from 0 to 65535, got 70000$/)
  })

  it('names the variable on a bad value', () => {
    expect(() => loadAgentConfig({ LLM_TIMEOUT_MS: 'soon' })).toThrow(AgentConfigError)
    expect(() => loadAgentConfig({ LLM_TIMEOUT_MS: 'soon' })).toThrow(/LLM_TIMEOUT_MS/)
    expect(() => loadAgentConfig({ PROMPT_INJECTION_MODE: 'maybe' })).toThrow(/PROMPT_INJECTION_MODE/)
    expect(() => loadAgentConfig({ DATABASE_URL: 'not a url' })).toThrow(/DATABASE_URL/)
  })
})
