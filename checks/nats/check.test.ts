import { type ChildProcess, spawn } from 'node:child_process'
import { afterAll, describe, expect, it } from 'vitest'
import { ConfigSchema } from '../../src/config/schema.js'
import { runChecks } from '../../src/runner.js'
import { closedPort } from '../../test/support/fault-servers.js'
import { TEST_NATS_URL } from '../../test/support/services.js'
import { natsCheck } from './check.js'

const run = (nats: string) => runChecks([natsCheck], { mode: 'diagnose', config: ConfigSchema.parse({ dependencies: { nats } }), timeoutMs: 2000 })

const children: ChildProcess[] = []
afterAll(() => children.forEach((c) => c.kill('SIGTERM')))

/** Our own nats-server (never the shared one): without JetStream, or with a password. */
async function startNats(args: string[]): Promise<number> {
  const port = await closedPort()
  const child = spawn('/usr/sbin/nats-server', ['-a', '127.0.0.1', '-p', String(port), ...args], { stdio: 'ignore' })
  children.push(child)
  for (let i = 0; i < 100; i++) {
    const [f] = await run(`nats://127.0.0.1:${port}`)
    if (!/connection refused/.test(f!.message)) return port
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error('nats-server did not start')
}

describe('nats', () => {
  it('passes on the shared server with RTT and JetStream usage', async () => {
    const [f] = await run(TEST_NATS_URL)
    expect(f).toMatchObject({ status: 'pass', message: expect.stringMatching(/^RTT [\d.]+ms · nats-server [\d.]+ · JetStream on \(\d+ streams/) })
    expect(f!.evidence).toMatchObject({ jetstream: true, latencyMs: expect.any(Number), jetstreamStreams: expect.any(Number) })
  })

  it('warns when JetStream is not enabled', async () => {
    const port = await startNats([])
    const [f] = await run(`nats://127.0.0.1:${port}`)
    expect(f).toMatchObject({ status: 'warn', message: expect.stringContaining('JetStream is NOT enabled'), remediation: expect.stringContaining('-js') })
  })

  it('maps rejected credentials to an auth finding without printing the password', async () => {
    const port = await startNats(['--user', 'agent', '--pass', 'nats-pass-123456'])
    const [bad] = await run(`nats://agent:wrong-pass-999@127.0.0.1:${port}`)
    expect(bad).toMatchObject({ status: 'fail', message: expect.stringContaining('NATS rejected the credentials') })
    expect(JSON.stringify(bad)).not.toContain('wrong-pass-999')
    const [good] = await run(`nats://agent:nats-pass-123456@127.0.0.1:${port}`)
    expect(good!.status).toBe('warn') // connected; no JetStream on this instance
  })
})
