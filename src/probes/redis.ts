import { Redis } from 'ioredis'
import { type ClassifiedError, classifyNetError, printable } from './errors.js'
import { elapsedMs, withDeadline } from './deadline.js'

export type RedisProbeResult =
  | { ok: true; connectMs: number; pingMs: number; info: Record<string, string> }
  | { ok: false; error: ClassifiedError; connected: boolean; firstBytes?: string }

/**
 * Connect, PING, INFO — bounded. ioredis with defaults retries for ~73 s against a dead server;
 * these options make it fail once, fast. The thrown error is often a bland "Connection is closed.";
 * the real cause arrives on the `error` event, so we keep the first one.
 */
export async function probeRedis(url: string, opts: { signal?: AbortSignal; timeoutMs: number }): Promise<RedisProbeResult> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: opts.timeoutMs,
    commandTimeout: opts.timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    enableReadyCheck: false,
    retryStrategy: () => null,
    reconnectOnError: () => false,
    autoResendUnfulfilledCommands: false,
    protocol: 2,
  })
  let firstEventError: unknown
  let connected = false
  let bytesReceived = 0
  let first: Buffer | undefined
  client.on('error', (error: unknown) => {
    firstEventError ??= error
  })
  client.on('connect', () => {
    connected = true
    client.stream?.on('data', (chunk: Buffer) => {
      bytesReceived += chunk.length
      first ??= chunk
    })
  })
  const started = performance.now()
  try {
    return await withDeadline(
      async () => {
        const connecting = client.connect()
        onTcpConnect(client, () => (connected = true))
        await connecting
        const connectMs = elapsedMs(started)
        const pingStarted = performance.now()
        const pong = await client.ping()
        const pingMs = elapsedMs(pingStarted)
        if (pong !== 'PONG') throw Object.assign(new Error(`Protocol error: PING answered "${String(pong).slice(0, 40)}"`), { code: 'EPROTO' })
        const info = parseInfo(await client.info())
        return { ok: true as const, connectMs, pingMs, info }
      },
      opts.timeoutMs,
      opts.signal,
      () => closeNow(client),
      'redis probe',
    )
  } catch (error) {
    // A reply error (NOAUTH, WRONGPASS) is precise already; a closed-stream error hides the cause.
    const bland = error instanceof Error && /Connection is closed|Stream isn't writeable/.test(error.message)
    const cause = bland && firstEventError ? firstEventError : error
    const firstBytes = first ? printable(first) : undefined
    return { ok: false, error: classifyNetError(cause, { bytesReceived, firstBytes }), connected, ...(firstBytes ? { firstBytes } : {}) }
  } finally {
    closeNow(client)
  }
}

/**
 * For rediss:// ioredis's 'connect' waits for the TLS handshake, so a server that accepts TCP and
 * never answers the handshake looked like a dropped connection ("TCP connect did not complete").
 * The TCP connection is what tells the two apart: watch the socket itself. ioredis creates it on a
 * later tick of connect(); by the next check phase it exists, and its TCP connect cannot have been
 * reported yet (that needs a poll phase), though `connecting` covers the case anyway.
 */
function onTcpConnect(client: Redis, done: () => void): void {
  setImmediate(() => {
    const stream = client.stream as (Redis['stream'] & { connecting?: boolean }) | undefined
    if (!stream) return
    if (!stream.connecting && !stream.destroyed) done()
    else stream.once('connect', done)
  })
}

/**
 * ioredis's disconnect() only half-closes (socket.end()): the socket then waits for the server's FIN,
 * which a hung server never sends, and that open handle kept the CLI alive after the report.
 * A probe has nothing left to say to the server, so destroy the socket too.
 */
function closeNow(client: Redis): void {
  client.disconnect()
  client.stream?.destroy()
}

/** INFO's "key:value" lines into a flat record (section headers and blanks dropped). */
export function parseInfo(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const line of text.split(/\r?\n/)) {
    if (!line || line.startsWith('#')) continue
    const i = line.indexOf(':')
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1)
  }
  return out
}
