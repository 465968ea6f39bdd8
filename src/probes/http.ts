import { Agent, buildConnector, request } from 'undici'
import { type ClassifiedError, classifyNetError, printable } from './errors.js'
import { elapsedMs, withDeadline } from './deadline.js'

export interface HttpProbeOptions {
  signal?: AbortSignal
  timeoutMs: number
  method?: 'GET' | 'POST' | 'HEAD'
  headers?: Record<string, string>
  body?: string
  /** Stop reading the body after this many bytes (default 64 KiB): a probe never slurps a huge page. */
  maxBodyBytes?: number
  /** Accept any certificate (the tls-certificates check reports on it separately). Default false. */
  insecure?: boolean
}

export type HttpProbeResult =
  | { ok: true; status: number; headers: Record<string, string>; body: string; truncated: boolean; latencyMs: number; ttfbMs: number }
  | { ok: false; error: ClassifiedError; latencyMs: number; /** undefined: unknown (TLS hides the TCP connect) */ connected?: boolean; firstBytes?: string }

/**
 * One bounded HTTP request. A dedicated undici Agent per probe so its sockets are destroyed when the
 * probe ends (no keep-alive socket holding the CLI open), and AbortSignal.timeout for a sub-second
 * deadline (undici's own timers tick on a ~1 s grid).
 */
export async function probeHttp(url: string, opts: HttpProbeOptions): Promise<HttpProbeResult> {
  let connected = false
  let bytesReceived = 0
  let first: Buffer | undefined
  const baseConnect = buildConnector({ rejectUnauthorized: !opts.insecure, timeout: opts.timeoutMs })
  const agent = new Agent({
    connections: 1,
    pipelining: 0,
    connect: (connectOpts, callback) =>
      baseConnect(connectOpts, (err, socket) => {
        if (!err && socket) {
          connected = true
          socket.on('data', (chunk: Buffer) => {
            bytesReceived += chunk.length
            first ??= chunk
          })
        }
        // undici's callback type is a union over (err, null) | (null, socket); forward as received.
        ;(callback as (e: Error | null, s: unknown) => void)(err, socket)
      }),
  })
  const signal = opts.signal ? AbortSignal.any([opts.signal, AbortSignal.timeout(opts.timeoutMs)]) : AbortSignal.timeout(opts.timeoutMs)
  const started = performance.now()
  try {
    // undici.request rather than fetch: fetch refuses "bad ports" (6379, 6000…) and follows its own rules.
    // The signal does not interrupt a TLS handshake in progress, so the whole exchange also races a
    // deadline that destroys the agent (and its sockets).
    const exchange = async () => {
      const res = await request(url, { method: opts.method ?? 'GET', headers: opts.headers, body: opts.body, signal, dispatcher: agent })
      const ttfbMs = elapsedMs(started)
      return { res, ttfbMs, ...(await readBounded(res.body, opts.maxBodyBytes ?? 64 * 1024)) }
    }
    const { res, ttfbMs, text, truncated } = await withDeadline(exchange, opts.timeoutMs, opts.signal, () => void agent.destroy().catch(() => {}), 'http probe')
    const headers: Record<string, string> = {}
    for (const [key, value] of Object.entries(res.headers)) if (value !== undefined) headers[key.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value)
    return { ok: true, status: res.statusCode, headers, body: text, truncated, latencyMs: elapsedMs(started), ttfbMs }
  } catch (error) {
    const firstBytes = first ? printable(first) : undefined
    return { ok: false, error: classifyNetError(error, { bytesReceived, firstBytes }), latencyMs: elapsedMs(started), ...(connected || !url.startsWith('https:') ? { connected } : {}), ...(firstBytes ? { firstBytes } : {}) }
  } finally {
    agent.destroy().catch(() => {})
  }
}

async function readBounded(body: AsyncIterable<Buffer> & { destroy(): void }, maxBytes: number): Promise<{ text: string; truncated: boolean }> {
  const chunks: Buffer[] = []
  let size = 0
  let truncated = false
  for await (const chunk of body) {
    chunks.push(chunk)
    size += chunk.length
    if (size >= maxBytes) {
      truncated = true
      body.destroy()
      break
    }
  }
  return { text: Buffer.concat(chunks).subarray(0, maxBytes).toString('utf8'), truncated }
}

/** Reads a numeric header (rate-limit remaining, retry-after) if present and numeric. */
export function numericHeader(headers: Record<string, string>, name: string): number | undefined {
  const raw = headers[name.toLowerCase()]
  if (raw === undefined) return undefined
  const n = Number(raw)
  return Number.isFinite(n) ? n : undefined
}
