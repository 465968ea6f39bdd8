import net from 'node:net'
import tls from 'node:tls'
import type { AgentctlConfig } from '../config/schema.js'
import { type ClassifiedError, classifyNetError } from './errors.js'
import { withDeadline } from './deadline.js'
import { type Endpoint, parseEndpoint } from './endpoint.js'

export interface TlsTarget {
  /** Config key the URL came from, e.g. dependencies.redis. */
  source: string
  endpoint: Endpoint
  /**
   * Protocols that start in plaintext: PostgreSQL negotiates TLS with an SSLRequest; a NATS server
   * sends its INFO line before the client upgrades.
   */
  startTls?: 'postgres' | 'nats'
}

export type CertificateProbeResult =
  | {
      ok: true
      subject: string
      issuer: string
      validFrom: string
      validTo: string
      daysLeft: number
      /** Does the chain verify against the system CAs and match the host name? */
      authorized: boolean
      authorizationError?: string
      protocol: string
    }
  | { ok: false; error: ClassifiedError; serverRefusedTls?: boolean }

/** Every TLS endpoint in the config: https, rediss, tls:// (NATS), PostgreSQL with sslmode=require/verify-*. */
export function tlsTargetsFromConfig(config: AgentctlConfig): TlsTarget[] {
  const candidates: Array<[string, string | undefined]> = [
    ['target.url', config.target.url],
    ['dependencies.llm.baseUrl', config.dependencies.llm?.baseUrl],
    ['dependencies.prometheus', config.dependencies.prometheus],
    ['dependencies.redis', config.dependencies.redis],
    ['dependencies.postgres', config.dependencies.postgres],
    ['dependencies.nats', config.dependencies.nats],
  ]
  const seen = new Set<string>()
  const targets: TlsTarget[] = []
  for (const [source, raw] of candidates) {
    if (!raw) continue
    const endpoint = parseEndpoint(raw)
    if (!endpoint) continue
    const scheme = endpoint.url.protocol
    let startTls: TlsTarget['startTls']
    if (scheme === 'postgres:' || scheme === 'postgresql:') {
      const mode = endpoint.url.searchParams.get('sslmode') ?? (['true', '1'].includes(endpoint.url.searchParams.get('ssl') ?? '') ? 'require' : 'disable')
      if (!['require', 'verify-ca', 'verify-full'].includes(mode)) continue
      startTls = 'postgres'
    } else if (scheme === 'tls:') startTls = 'nats'
    else if (!['https:', 'rediss:', 'wss:'].includes(scheme)) continue
    if (seen.has(endpoint.hostPort)) continue
    seen.add(endpoint.hostPort)
    targets.push({ source, endpoint, ...(startTls ? { startTls } : {}) })
  }
  return targets
}

/** Opens a TLS session (without trusting it) to read the peer certificate, then closes it. */
export async function probeCertificate(target: TlsTarget, opts: { signal?: AbortSignal; timeoutMs: number; now?: Date; ca?: string | string[] }): Promise<CertificateProbeResult> {
  const { host, port } = target.endpoint
  const servername = net.isIP(host) ? undefined : host
  const sockets: net.Socket[] = []
  try {
    return await withDeadline(
      async () => {
        let plain: net.Socket | undefined
        if (target.startTls === 'nats') plain = await natsInfoLine(host, port, sockets)
        if (target.startTls === 'postgres') {
          plain = await postgresSslRequest(host, port, sockets)
          if (!plain) return { ok: false as const, serverRefusedTls: true, error: { kind: 'tls' as const, summary: 'server refuses TLS', detail: 'the PostgreSQL server answered the SSLRequest with "N" (ssl = off)' } }
        }
        const socket = tls.connect({ host, port, servername, rejectUnauthorized: false, ...(opts.ca ? { ca: opts.ca } : {}), ...(plain ? { socket: plain } : {}) })
        // The TLS socket now owns the plain one: destroying both crashes Node (SIGSEGV), so forget the inner.
        if (plain) sockets.splice(sockets.indexOf(plain), 1)
        sockets.push(socket)
        await new Promise<void>((resolve, reject) => {
          socket.once('secureConnect', resolve)
          socket.once('error', reject)
        })
        const cert = socket.getPeerCertificate()
        if (!cert || !cert.valid_to) throw Object.assign(new Error('the server presented no certificate'), { code: 'ERR_TLS_NO_CERT' })
        // Node verifies the chain but not the host name when rejectUnauthorized is false: check it here.
        const hostError = tls.checkServerIdentity(host, cert)
        const chainError = socket.authorizationError && String(socket.authorizationError) !== 'ERR_TLS_CERT_ALTNAME_INVALID' ? String(socket.authorizationError) : undefined
        const authorizationError = [chainError, hostError?.message].filter(Boolean).join('; ') || undefined
        const validTo = new Date(cert.valid_to)
        const now = opts.now ?? new Date()
        return {
          ok: true as const,
          subject: String(cert.subject?.CN ?? JSON.stringify(cert.subject ?? {})),
          issuer: String(cert.issuer?.CN ?? cert.issuer?.O ?? ''),
          validFrom: new Date(cert.valid_from).toISOString(),
          validTo: validTo.toISOString(),
          daysLeft: Math.floor((validTo.getTime() - now.getTime()) / 86_400_000),
          authorized: socket.authorized && !hostError,
          ...(authorizationError ? { authorizationError } : {}),
          protocol: socket.getProtocol() ?? 'unknown',
        }
      },
      opts.timeoutMs,
      opts.signal,
      () => sockets.forEach((s) => s.destroy()),
      'tls probe',
    )
  } catch (error) {
    return { ok: false, error: classifyNetError(error) }
  } finally {
    for (const s of sockets) s.destroy()
  }
}

/** Sends PostgreSQL's SSLRequest; resolves the socket if the server answers 'S', undefined on 'N'. */
function postgresSslRequest(host: string, port: number, sockets: net.Socket[]): Promise<net.Socket | undefined> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port })
    sockets.push(socket)
    socket.once('error', reject)
    socket.once('connect', () => socket.write(Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f])))
    socket.once('data', (data: Buffer) => {
      socket.removeListener('error', reject)
      if (data[0] === 0x53) resolve(socket)
      else if (data[0] === 0x4e) resolve(undefined)
      else reject(Object.assign(new Error(`unexpected response to SSLRequest: 0x${data[0]?.toString(16)}`), { code: 'EPROTO' }))
    })
  })
}

/** Reads the plaintext INFO line a NATS server sends first; the TLS handshake follows on the same socket. */
function natsInfoLine(host: string, port: number, sockets: net.Socket[]): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port })
    sockets.push(socket)
    let received = ''
    socket.once('error', reject)
    const onData = (data: Buffer) => {
      received += data.toString('latin1')
      if (!received.startsWith('INFO '.slice(0, received.length))) return reject(Object.assign(new Error('unexpected response from server: not a NATS INFO line'), { code: 'EPROTO' }))
      if (received.includes('\r\n')) {
        socket.removeListener('data', onData)
        socket.removeListener('error', reject)
        resolve(socket)
      }
    }
    socket.on('data', onData)
  })
}
