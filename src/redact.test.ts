import { afterEach, describe, expect, it } from 'vitest'
import { looksLikeSecret, redact, redactDeep, registerEnvSecrets, registerSecret, resetSecrets } from './redact.js'

afterEach(() => resetSecrets())

describe('redact patterns (secrets nobody registered)', () => {
  it.each([
    ['openai key', 'key is sk-proj-abcdefghijklmnop1234', 'sk-proj-abcdefghijklmnop1234'],
    ['anthropic-style key', 'using sk-ant-api03-xyzXYZ0123456789', 'sk-ant-api03-xyzXYZ0123456789'],
    ['postgres password', 'connect postgres://u:hunter2secret@db.internal:5432/app failed', 'hunter2secret'],
    ['redis password without user', 'redis://:p4ssw0rd@cache:6379/0', 'p4ssw0rd'],
    ['nats user:pass', 'nats://u:pw1234@nats:4222', 'pw1234'],
    ['bearer token', 'sent Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig', 'eyJhbGciOiJIUzI1NiJ9.payload.sig'],
    ['authorization header', 'Authorization: Basic dXNlcjpwYXNz', 'dXNlcjpwYXNz'],
    ['json apiKey field', '{"apiKey": "k-123456789"}', 'k-123456789'],
    ['query string key', 'GET /v1?api_key=abcdef123456&x=1', 'abcdef123456'],
  ])('masks a %s', (_name, input, secret) => {
    const out = redact(input)
    expect(out).not.toContain(secret)
    expect(out).toContain('***')
  })

  it('keeps scheme, host, port and path of a URL with a password', () => {
    expect(redact('postgres://u:hunter2secret@db.internal:5432/app')).toBe('postgres://u:***@db.internal:5432/app')
    expect(redact('redis://:p4ssw0rd@cache:6379')).toBe('redis://:***@cache:6379')
  })

  it('leaves ordinary text and URLs without credentials alone', () => {
    const text = 'GET http://127.0.0.1:8080/health answered 200 in 4ms; token bucket at 80%'
    expect(redact(text)).toBe(text)
  })
})

describe('registered secrets', () => {
  it('masks a registered value wherever it appears, in any shape', () => {
    registerSecret('my-agent-key-000111')
    expect(redact('header x-key=my-agent-key-000111 sent')).toBe('header x-key=*** sent')
    expect(redact('"my-agent-key-000111"')).toBe('"***"')
  })

  it('registers only the password of a URL, so the host stays visible', () => {
    registerSecret('redis://:s3cretpass@cache.internal:6379')
    expect(redact('cache.internal:6379 refused; auth s3cretpass')).toBe('cache.internal:6379 refused; auth ***')
  })

  it('registers the decoded form of a percent-encoded URL password', () => {
    registerSecret('postgres://app:p%40ss%2Fword@db/x')
    expect(redact('password authentication failed: p@ss/word')).not.toContain('p@ss/word')
  })

  it('ignores values too short to mask safely', () => {
    registerSecret('abc')
    expect(redact('abc abcdef')).toBe('abc abcdef')
  })

  it('registers secret-named environment variables and URLs with passwords', () => {
    registerEnvSecrets({ LLM_API_KEY: 'prov-key-9876543210', AGENT_API_KEYS: 'first-key-111,second-key-222', DATABASE_URL: 'postgres://a:dbpass99@h/d', HOME: '/root' })
    expect(redact('prov-key-9876543210 second-key-222 dbpass99 /root')).toBe('*** *** *** /root')
  })
})

describe('redactDeep', () => {
  it('masks secret-named keys and scrubs every string, without mutating the input', () => {
    const input = { target: 'http://h', nested: { apiKey: 'plain', token: 'x', list: ['Bearer abcdefghij'], n: 3 }, when: new Date(0) }
    const out = redactDeep(input)
    expect(out.nested.apiKey).toBe('***')
    expect(out.nested.token).toBe('***')
    expect(out.nested.list[0]).toBe('Bearer ***')
    expect(out.nested.n).toBe(3)
    expect(out.when).toBeInstanceOf(Date)
    expect(input.nested.apiKey).toBe('plain')
  })
})

describe('precision: only secrets are masked, and only their span', () => {
  it.each([
    ['agent', false],
    ['admin', false],
    ['test', false],
    ['postgres', false], // 8 letters: a dictionary word, and a check id
    ['changeme', false],
    ['p4ssw0rd', true],
    ['hunter2secret', true],
    ['agentctl-self-0b7c', true],
    ['abcdefghijklmnopq', true], // 16+ characters, whatever they are
  ])('%s looks like a secret: %s', (value, expected) => expect(looksLikeSecret(value)).toBe(expected))

  it('a weak URL password is masked inside its URL and nowhere else', () => {
    registerSecret('postgres://agent:agent@db.internal:5432/agent')
    registerEnvSecrets({ PGPASSWORD: 'agent', DATABASE_URL: 'postgres://postgres:postgres@db:5432/postgres' })
    const text = 'agent-health failed: before exposing the agent, edit agentctl.yaml; postgres://agent:agent@db.internal:5432/agent; postgres check ok'
    expect(redact(text)).toBe('agent-health failed: before exposing the agent, edit agentctl.yaml; postgres://agent:***@db.internal:5432/agent; postgres check ok')
  })

  it('a registered secret is masked as a whole token only', () => {
    registerSecret('k3y-abc123')
    expect(redact('key k3y-abc123, again "k3y-abc123" and k3y-abc123x or xk3y-abc123')).toBe('key ***, again "***" and k3y-abc123x or xk3y-abc123')
  })

  it.each([
    ['Require `Authorization: Bearer <key>` on every chat route', 'Require `Authorization: Bearer <key>` on every chat route'],
    ['apiKey: ${AGENT_API_KEY}', 'apiKey: ${AGENT_API_KEY}'],
    ['-H "Authorization: Bearer $LLM_API_KEY"', '-H "Authorization: Bearer $LLM_API_KEY"'],
    ['send bearer tokens, not bearer authentication', 'send bearer tokens, not bearer authentication'],
    ['Authorization: Bearer sk-live-1234567890abcdef', 'Authorization: Bearer ***'],
    ['`Authorization: Bearer abc123def456` was sent', '`Authorization: Bearer ***` was sent'],
  ])('placeholders and prose survive, real credentials do not: %s', (input, expected) => expect(redact(input)).toBe(expected))
})
