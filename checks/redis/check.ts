import type { Check, CheckContext, CheckOutcome } from '../../src/check.js'
import { type Endpoint, failureOutcome, formatBytes, ms, notConfigured, parseEndpoint, pct, probeBudgetMs } from '../../src/probes/index.js'
import { probeRedis } from '../../src/probes/redis.js'

const SLOW_PING_MS = 250

/** redis-cli invocation matching the configured URL (password via --askpass, never on the command line). */
export function redisCli(ep: Endpoint): string {
  const db = ep.url.pathname.replace('/', '')
  return ['redis-cli', '-h', ep.host, '-p', String(ep.port), ep.url.protocol === 'rediss:' ? '--tls' : '', ep.url.password ? '--askpass' : '', db ? `-n ${db}` : ''].filter(Boolean).join(' ')
}

export const redisCheck: Check = {
  id: 'redis',
  category: 'connectivity',
  categoryByMode: { validate: 'dependencies', diagnose: 'connectivity' },
  title: 'Redis',
  description: 'Redis answers PING; memory vs maxmemory, eviction policy and evicted keys, clients, role',
  appliesTo: ['validate', 'diagnose'],
  severity: 'fail',
  async run(ctx: CheckContext): Promise<CheckOutcome[]> {
    const raw = ctx.config.dependencies.redis
    if (!raw) return [notConfigured('Redis', 'dependencies.redis', 'AGENTCTL_REDIS_URL', 'redis://host:6379/0')]
    const ep = parseEndpoint(raw)
    if (!ep) return [{ status: 'fail', message: 'dependencies.redis is not a valid URL', remediation: 'write it as redis://[:password@]host:6379[/db] (rediss:// for TLS)' }]
    const budgetMs = probeBudgetMs(ctx)
    const result = await probeRedis(raw, { signal: ctx.signal, timeoutMs: budgetMs })
    const cli = redisCli(ep)
    if (!result.ok) {
      return [
        failureOutcome(
          {
            name: 'Redis',
            service: 'redis-server',
            configKey: 'dependencies.redis',
            envVar: 'AGENTCTL_REDIS_URL',
            cliCommand: () => `${cli} ping`,
            namespace: ctx.config.kubernetes?.namespace,
            authAdvice: (_ep, error) => ({
              message: `Redis rejected the credentials (${error.detail.split(' <- ')[0]}) — ${ep.url.password ? 'the password in the URL is wrong' : 'the server requires a password and the URL has none'}`,
              remediation: `put the password in the URL: redis://[user]:\${REDIS_PASSWORD}@${ep.hostPort}; test with \`${cli.includes('--askpass') ? cli : `${cli} --askpass`} ping\``,
            }),
          },
          ep,
          result.error,
          { budgetMs, connected: result.connected, firstBytes: result.firstBytes },
        ),
      ]
    }
    const info = result.info
    const num = (key: string) => Number(info[key] ?? 0)
    const used = num('used_memory')
    const max = num('maxmemory')
    const policy = info.maxmemory_policy ?? 'unknown'
    const role = info.role ?? 'unknown'
    const evidence = {
      target: ep.display,
      latencyMs: result.pingMs,
      connectMs: result.connectMs,
      version: info.redis_version,
      role,
      usedMemoryBytes: used,
      maxmemoryBytes: max,
      memoryUsedPct: max > 0 ? pct(used, max) : null,
      maxmemoryPolicy: policy,
      evictedKeys: num('evicted_keys'),
      connectedClients: num('connected_clients'),
      blockedClients: num('blocked_clients'),
      maxClients: info.maxclients !== undefined ? num('maxclients') : null,
      rejectedConnections: num('rejected_connections'),
    }
    const memoryText = max > 0 ? `${formatBytes(used)} of ${formatBytes(max)} (${evidence.memoryUsedPct}%)` : `${formatBytes(used)} used, no maxmemory`
    const outcomes: CheckOutcome[] = [
      {
        status: result.pingMs > SLOW_PING_MS ? 'warn' : 'pass',
        message: `PONG in ${ms(result.pingMs)} · Redis ${info.redis_version ?? '?'} (${role}) · ${memoryText} · ${evidence.connectedClients} client${evidence.connectedClients === 1 ? '' : 's'}`,
        evidence,
        ...(result.pingMs > SLOW_PING_MS ? { remediation: `PING took over ${SLOW_PING_MS}ms: \`${cli} --latency\` and \`${cli} SLOWLOG GET 10\`` } : {}),
      },
    ]
    const issue = (title: string, status: 'warn' | 'fail', message: string, remediation: string) => outcomes.push({ title, status, message, remediation, evidence })
    if (max > 0 && used / max >= 0.9) {
      const full = used / max >= 0.98 && policy === 'noeviction'
      issue('Redis memory', full ? 'fail' : 'warn', `memory ${memoryText} with maxmemory-policy ${policy}${policy === 'noeviction' ? ' — writes fail with OOM once full' : ' — keys are evicted under pressure'}`, `\`${cli} INFO memory\`; raise the limit (\`${cli} CONFIG SET maxmemory <bytes>\`) or let it evict (\`${cli} CONFIG SET maxmemory-policy allkeys-lru\`), then persist it in redis.conf`)
    }
    if (evidence.evictedKeys > 0) {
      issue('Redis evictions', 'warn', `${evidence.evictedKeys} keys evicted since start (policy ${policy}) — cached sessions or conversation memory may be vanishing`, `\`${cli} INFO stats | grep evicted\`; raise maxmemory or shorten TTLs; \`${cli} --bigkeys\` finds the heavy keys`)
    }
    if (role !== 'master' && role !== 'unknown') {
      issue('Redis role', 'warn', `connected to a ${role} — writes will fail with READONLY`, `point dependencies.redis at the primary: \`${cli} ROLE\` shows the master's address`)
    }
    if (evidence.rejectedConnections > 0 || (evidence.maxClients && evidence.connectedClients >= 0.9 * evidence.maxClients)) {
      issue('Redis clients', 'warn', `${evidence.connectedClients} of ${evidence.maxClients ?? '?'} client slots used, ${evidence.rejectedConnections} connections rejected`, `\`${cli} CLIENT LIST\` to find leaking clients; raise maxclients (\`${cli} CONFIG SET maxclients 20000\`)`)
    }
    return outcomes
  },
}
