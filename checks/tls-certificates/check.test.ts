import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ConfigSchema } from '../../src/config/schema.js'
import { tlsTargetsFromConfig } from '../../src/probes/tls.js'
import { runChecks } from '../../src/runner.js'
import { closedPort, type FaultServer, makeCertificate, startTlsServer } from '../../test/support/fault-servers.js'
import { TEST_DATABASE_URL } from '../../test/support/services.js'
import { tlsCertificatesCheck } from './check.js'

const servers: FaultServer[] = []
afterAll(() => Promise.all(servers.map((s) => s.close())))

async function serve(opts: Parameters<typeof makeCertificate>[0]): Promise<{ port: number; cert: string }> {
  const credentials = makeCertificate(opts)
  const server = await startTlsServer(credentials)
  servers.push(server)
  return { port: server.port, cert: credentials.cert }
}

// "localhost" so the host name check can pass; the probe connects over loopback.
const run = (target: string, options: Record<string, unknown> = {}) =>
  runChecks([tlsCertificatesCheck], { mode: 'diagnose', config: ConfigSchema.parse({ target: { url: target } }), timeoutMs: 2000, options })

describe('tls-certificates', () => {
  it('passes a trusted certificate with > 30 days left', async () => {
    const { port, cert } = await serve({ days: 200 })
    const [f] = await run(`https://localhost:${port}`, { tlsCa: cert })
    expect(f).toMatchObject({ status: 'pass', title: `TLS certificate localhost:${port}`, message: expect.stringMatching(/^valid for 199 more days/) })
    expect(f!.evidence).toMatchObject({ daysLeft: 199, authorized: true, source: 'target.url' })
  })

  it.each([
    { days: 20, status: 'warn', message: /expires in 19 days/ },
    { days: 3, status: 'fail', message: /expires in 2 day\(s\)/ },
  ])('$days days left → $status', async ({ days, status, message }) => {
    const { port, cert } = await serve({ days })
    const [f] = await run(`https://localhost:${port}`, { tlsCa: cert })
    expect(f).toMatchObject({ status, message: expect.stringMatching(message), remediation: expect.stringContaining('openssl s_client -connect localhost:') })
  })

  it('an expired certificate fails, saying how long ago', async () => {
    const { port, cert } = await serve({ days: 5, startDaysAgo: 10 })
    const [f] = await run(`https://localhost:${port}`, { tlsCa: cert })
    expect(f).toMatchObject({ status: 'fail', message: expect.stringMatching(/EXPIRED 5 day\(s\) ago/) })
  })

  it('an untrusted (self-signed) or wrong-host certificate warns even with time left', async () => {
    const selfSigned = await serve({ days: 200 })
    const [untrusted] = await run(`https://localhost:${selfSigned.port}`)
    expect(untrusted).toMatchObject({ status: 'warn', message: expect.stringMatching(/does not verify: .*self[- ]signed/i) })
    const wrongHost = await serve({ days: 200, cn: 'other.example' })
    const [mismatch] = await run(`https://localhost:${wrongHost.port}`, { tlsCa: wrongHost.cert })
    expect(mismatch).toMatchObject({ status: 'warn', message: expect.stringMatching(/does not verify: .*localhost/) })
  })

  it('PostgreSQL with sslmode=require against a server with ssl = off fails precisely', async () => {
    const findings = await runChecks([tlsCertificatesCheck], { mode: 'diagnose', config: ConfigSchema.parse({ target: { url: 'http://127.0.0.1:8080' }, dependencies: { postgres: `${TEST_DATABASE_URL}?sslmode=require` } }), timeoutMs: 2000 })
    expect(findings).toHaveLength(1)
    expect(findings[0]).toMatchObject({ status: 'fail', message: expect.stringContaining('has ssl = off') })
  })

  it('NATS tls:// is read after the plaintext INFO line (own nats-server with --tls)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agentctl-nats-tls-'))
    const { key, cert } = makeCertificate({ days: 20 })
    writeFileSync(join(dir, 'key.pem'), key)
    writeFileSync(join(dir, 'cert.pem'), cert)
    const port = await closedPort()
    const nats = spawn('/usr/sbin/nats-server', ['-a', '127.0.0.1', '-p', String(port), '--tls', '--tlscert', join(dir, 'cert.pem'), '--tlskey', join(dir, 'key.pem')], { stdio: 'ignore' })
    try {
      const config = ConfigSchema.parse({ target: { url: 'http://127.0.0.1:8080' }, dependencies: { nats: `tls://localhost:${port}` } })
      let findings = await runChecks([tlsCertificatesCheck], { mode: 'diagnose', config, timeoutMs: 2000, options: { tlsCa: cert } })
      for (let i = 0; i < 40 && /refused/.test(findings[0]!.message); i++) {
        await new Promise((r) => setTimeout(r, 50))
        findings = await runChecks([tlsCertificatesCheck], { mode: 'diagnose', config, timeoutMs: 2000, options: { tlsCa: cert } })
      }
      expect(findings[0]).toMatchObject({ status: 'warn', message: expect.stringMatching(/expires in 19 days/), evidence: expect.objectContaining({ source: 'dependencies.nats', authorized: true }) })
    } finally {
      nats.kill('SIGTERM')
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('a refused TLS endpoint fails with the connection wording', async () => {
    const [f] = await run(`https://127.0.0.1:${await closedPort()}`)
    expect(f).toMatchObject({ status: 'fail', message: expect.stringMatching(/connection refused at 127\.0\.0\.1:\d+/) })
  })

  it('skips when no endpoint uses TLS, and finds every TLS URL in the config', async () => {
    const [f] = await run('http://127.0.0.1:8080')
    expect(f!.status).toBe('skip')
    const config = ConfigSchema.parse({ target: { url: 'https://agent.example' }, dependencies: { redis: 'rediss://:pw@cache:6380', postgres: 'postgres://u@db/x?sslmode=verify-full', nats: 'tls://nats:4222', prometheus: 'http://prom:9090', llm: { baseUrl: 'https://agent.example/v1' } } })
    expect(tlsTargetsFromConfig(config).map((t) => [t.source, t.endpoint.hostPort, t.startTls ?? ''])).toEqual([
      ['target.url', 'agent.example:443', ''],
      ['dependencies.redis', 'cache:6380', ''],
      ['dependencies.postgres', 'db:5432', 'postgres'],
      ['dependencies.nats', 'nats:4222', 'nats'],
    ])
  })
})
