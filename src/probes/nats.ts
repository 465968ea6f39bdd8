import net from 'node:net'
import { connect, type NatsConnection } from '@nats-io/transport-node'
import { type ClassifiedError, classifyNetError, printable } from './errors.js'
import { Deadline, elapsedMs, withDeadline } from './deadline.js'

export interface JetStreamAccount {
  memory: number
  storage: number
  streams: number
  consumers: number
  limits?: { max_memory?: number; max_storage?: number }
}

export type NatsProbeResult =
  | {
      ok: true
      connectMs: number
      rttMs: number
      server: { version: string; name: string; jetstream: boolean; maxPayload: number }
      /** JetStream account usage; undefined when JetStream is off or the account has no access. */
      jetstream?: JetStreamAccount
      jetstreamError?: string
    }
  | { ok: false; error: ClassifiedError; connected?: boolean; firstBytes?: string }

/** Connect (no reconnect), measure RTT with a PING/PONG, and read JetStream account info if enabled. */
export async function probeNats(rawUrl: string, opts: { signal?: AbortSignal; timeoutMs: number }): Promise<NatsProbeResult> {
  const url = new URL(rawUrl)
  // Credentials go in options, not in the server string, so they never show up in nats.js errors.
  const auth = url.password ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } : url.username ? { token: decodeURIComponent(url.username) } : {}
  const server = `${url.hostname}:${url.port || 4222}`
  let nc: NatsConnection | undefined
  let cancelled = false
  const started = performance.now()
  const deadline = new Deadline(opts.timeoutMs)
  // nats.js leaves its socket open when connect() times out against a silent server, which would
  // keep the CLI alive; so first read the INFO banner a NATS server sends at once, on our own socket.
  const banner = await readBanner(url.hostname, Number(url.port || 4222), deadline.remaining(), opts.signal)
  if (!banner.ok) return banner
  try {
    return await withDeadline(
      async () => {
        nc = await connect({ servers: server, timeout: deadline.remaining(), reconnect: false, name: 'agentctl-diagnose', ...(url.protocol === 'tls:' ? { tls: {} } : {}), ...auth })
        // The deadline may have passed while connect() was pending: close instead of leaking it.
        if (cancelled) await nc.close()
        const connectMs = elapsedMs(started)
        // flush() is one PING/PONG; timing it ourselves gives sub-millisecond resolution (nc.rtt() rounds).
        const pingStarted = performance.now()
        await nc.flush()
        const rttMs = elapsedMs(pingStarted)
        const info = nc.info
        const result: NatsProbeResult = {
          ok: true,
          connectMs,
          rttMs,
          server: { version: info?.version ?? 'unknown', name: info?.server_name ?? '', jetstream: info?.jetstream === true, maxPayload: info?.max_payload ?? 0 },
        }
        if (result.server.jetstream) {
          // $JS.API.INFO is what `nats account info` asks; it needs no extra package.
          try {
            const reply = await nc.request('$JS.API.INFO', '', { timeout: Math.max(50, opts.timeoutMs - elapsedMs(started)) })
            const body = reply.json<JetStreamAccount & { error?: { description?: string } }>()
            if (body.error) result.jetstreamError = body.error.description ?? 'JetStream API error'
            else result.jetstream = { memory: body.memory, storage: body.storage, streams: body.streams, consumers: body.consumers, limits: body.limits }
          } catch (error) {
            result.jetstreamError = error instanceof Error ? error.message : String(error)
          }
        }
        return result
      },
      deadline.remaining(),
      opts.signal,
      () => {
        cancelled = true
        void nc?.close().catch(() => {})
      },
      'nats probe',
    )
  } catch (error) {
    return { ok: false, error: classifyNetError(error) }
  } finally {
    await nc?.close().catch(() => {})
  }
}

/** Connects, waits for the server's "INFO {...}" line, closes. Tells refused / silent / wrong protocol apart. */
async function readBanner(host: string, port: number, timeoutMs: number, signal?: AbortSignal): Promise<{ ok: true } | { ok: false; error: ClassifiedError; connected: boolean; firstBytes?: string }> {
  const socket = net.connect({ host, port })
  let connected = false
  let received = Buffer.alloc(0)
  socket.once('connect', () => {
    connected = true
  })
  try {
    await withDeadline(
      new Promise<void>((resolve, reject) => {
        socket.once('error', reject)
        socket.once('close', () => reject(Object.assign(new Error('the server closed the connection before sending INFO'), { code: 'ECONNRESET' })))
        socket.on('data', (chunk: Buffer) => {
          received = Buffer.concat([received, chunk])
          if (received.length >= 5 && !received.subarray(0, 5).toString('latin1').startsWith('INFO ')) reject(new Error('unexpected response from server: not a NATS INFO banner'))
          else if (received.includes('\r\n')) resolve()
        })
      }),
      timeoutMs,
      signal,
      () => socket.destroy(),
      'nats banner',
    )
    return { ok: true }
  } catch (error) {
    const firstBytes = received.length ? printable(received) : undefined
    return { ok: false, error: classifyNetError(error, { bytesReceived: received.length, firstBytes }), connected, ...(firstBytes ? { firstBytes } : {}) }
  } finally {
    socket.destroy()
  }
}
