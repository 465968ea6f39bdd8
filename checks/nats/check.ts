import type { Check, CheckContext, CheckOutcome } from '../../src/check.js'
import { failureOutcome, formatBytes, ms, notConfigured, parseEndpoint, pct, probeBudgetMs } from '../../src/probes/index.js'
import { probeNats } from '../../src/probes/nats.js'

const SLOW_RTT_MS = 100

export const natsCheck: Check = {
  id: 'nats',
  category: 'connectivity',
  categoryByMode: { validate: 'dependencies', diagnose: 'connectivity' },
  title: 'NATS',
  description: 'NATS accepts a connection; round-trip time, server version, JetStream enabled and its account usage',
  appliesTo: ['validate', 'diagnose'],
  severity: 'fail',
  async run(ctx: CheckContext): Promise<CheckOutcome> {
    const raw = ctx.config.dependencies.nats
    if (!raw) return notConfigured('NATS', 'dependencies.nats', 'AGENTCTL_NATS_URL', 'nats://host:4222')
    const ep = parseEndpoint(raw)
    if (!ep) return { status: 'fail', message: 'dependencies.nats is not a valid URL', remediation: 'write it as nats://[user:password@]host:4222 (tls:// for TLS)' }
    const budgetMs = probeBudgetMs(ctx)
    const result = await probeNats(raw, { signal: ctx.signal, timeoutMs: budgetMs })
    const cli = `nats --server nats://${ep.hostPort} rtt`
    if (!result.ok) {
      return failureOutcome(
        {
          name: 'NATS',
          service: 'nats-server',
          configKey: 'dependencies.nats',
          envVar: 'AGENTCTL_NATS_URL',
          cliCommand: () => cli,
          namespace: ctx.config.kubernetes?.namespace,
          authAdvice: () => ({ message: `NATS rejected the credentials (Authorization Violation) at ${ep.hostPort}`, remediation: `put user:password (or a token) in dependencies.nats, e.g. nats://agent:\${NATS_PASSWORD}@${ep.hostPort}; test: \`nats --server nats://${ep.hostPort} --user agent --password … rtt\`` }),
        },
        ep,
        result.error,
        { budgetMs, connected: result.connected, firstBytes: result.firstBytes },
      )
    }
    const js = result.jetstream
    const evidence = {
      target: ep.display,
      latencyMs: result.rttMs,
      connectMs: result.connectMs,
      version: result.server.version,
      serverName: result.server.name,
      jetstream: result.server.jetstream,
      maxPayloadBytes: result.server.maxPayload,
      ...(js ? { jetstreamStreams: js.streams, jetstreamConsumers: js.consumers, jetstreamMemoryBytes: js.memory, jetstreamStorageBytes: js.storage, jetstreamLimits: js.limits ?? null } : {}),
      ...(result.jetstreamError ? { jetstreamError: result.jetstreamError } : {}),
    }
    const base = `RTT ${ms(result.rttMs)} · nats-server ${result.server.version}`
    if (!result.server.jetstream) return { status: 'warn', message: `${base} · JetStream is NOT enabled — streams and durable consumers are unavailable`, remediation: 'start nats-server with -js (or `jetstream {}` in its config); `nats server info` shows it', evidence }
    const storageMax = js?.limits?.max_storage ?? -1
    if (js && storageMax > 0 && js.storage / storageMax >= 0.9) {
      return { status: 'warn', message: `${base} · JetStream storage ${formatBytes(js.storage)} of ${formatBytes(storageMax)} (${pct(js.storage, storageMax)}%) — publishes fail when full`, remediation: '`nats stream report` shows the big streams; set max-age/max-bytes on them or raise the account limit', evidence }
    }
    if (result.jetstreamError) return { status: 'warn', message: `${base} · JetStream is on but account info failed: ${result.jetstreamError}`, remediation: '`nats account info` with the same credentials; the account may lack JetStream access', evidence }
    if (result.rttMs > SLOW_RTT_MS) return { status: 'warn', message: `${base} · slow round trip`, remediation: `\`${cli}\`; check the network path and the server's CPU (\`nats server report cpu\`)`, evidence }
    return { status: 'pass', message: `${base} · JetStream on${js ? ` (${js.streams} streams, ${formatBytes(js.storage)} stored)` : ''}`, evidence }
  },
}
