import { Agent, fetch as undiciFetch } from 'undici'
import { z } from 'zod'
import { isBuiltinFetch } from '../llm/transport.js'
import { type AllowlistEntry, describeAllowlist, effectivePort, hostAllowed, NonPublicAddressError, parseAllowlist, publicOnlyLookup } from './http-allowlist.js'
import { ToolError, type ToolSpec } from './types.js'

export const HTTP_GET_MAX_BYTES = 100 * 1024
const MAX_REDIRECTS = 3
const TEXTUAL = /^(text\/[a-z0-9.+-]+|application\/(json|[a-z0-9.+-]+\+json|x-ndjson))$/

const schema = z.strictObject({
  url: z.string().min(1).max(2048).describe('Absolute http(s) URL on an allowlisted host'),
})

function checkUrl(raw: string, allowlist: readonly AllowlistEntry[]): URL {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new ToolError(`"${raw.slice(0, 200)}" is not an absolute URL`)
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ToolError(`only http and https URLs are allowed (got ${url.protocol})`)
  if (url.username || url.password) throw new ToolError('URLs with credentials are not allowed')
  if (!hostAllowed(url, allowlist)) {
    throw new ToolError(
      `${url.protocol}//${url.hostname}:${effectivePort(url)} is not on the allowlist (HTTP_GET_ALLOWLIST: ${describeAllowlist(allowlist)}; an entry without a port allows the default port only)`,
    )
  }
  return url
}

/**
 * Connections of the tool's own: a name resolving to a non-public address is refused at connect
 * time (http-allowlist.ts). Made on first use, so an agent without http_get opens nothing.
 */
let guardedAgent: Agent | undefined
const dispatcher = () => (guardedAgent ??= new Agent({ connect: { lookup: publicOnlyLookup as never } }))

/**
 * Node's own fetch is replaced by undici's with the guarded dispatcher. A patched fetch (msw, test
 * doubles, instrumentation) is called as it is, so interceptors see the request; the address guard
 * then cannot apply, since the patched fetch decides where (or whether) it connects.
 */
function send(url: URL, init: RequestInit): Promise<Response> {
  const fetchNow = globalThis.fetch
  if (!isBuiltinFetch(fetchNow)) return fetchNow(url, init)
  return undiciFetch(url, { ...(init as object), dispatcher: dispatcher() }) as unknown as Promise<Response>
}

/** Reads at most `cap` bytes, then cancels the stream: a huge body never lands in memory. */
async function readCapped(response: Response, cap: number): Promise<{ text: string; truncated: boolean; bytes: number }> {
  if (!response.body) return { text: '', truncated: false, bytes: 0 }
  const reader = response.body.getReader()
  const chunks: Uint8Array[] = []
  let bytes = 0
  let truncated = false
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    const room = cap - bytes
    if (value.byteLength >= room) {
      // >= : reaching the cap exactly still needs one more read to know whether more follows.
      chunks.push(value.subarray(0, room))
      bytes += room
      truncated = value.byteLength > room || !(await reader.read()).done
      break
    }
    chunks.push(value)
    bytes += value.byteLength
  }
  await reader.cancel().catch(() => undefined)
  return { text: new TextDecoder('utf-8', { fatal: false }).decode(Buffer.concat(chunks)), truncated, bytes }
}

export function createHttpGetTool(opts: { allowlist: readonly string[]; maxBytes?: number }): ToolSpec<typeof schema> {
  const cap = opts.maxBytes ?? HTTP_GET_MAX_BYTES
  const allowlist = parseAllowlist(opts.allowlist)
  return {
    name: 'http_get',
    description: `Fetch a text or JSON document with HTTP GET from an allowlisted host (${describeAllowlist(allowlist) || 'none configured'}; no other port). Returns the status, content type and up to ${Math.round(cap / 1024)} kB of the body.`,
    schema,
    async run({ url: raw }, _ctx, signal) {
      let url = checkUrl(raw, allowlist)
      for (let hop = 0; ; hop++) {
        let response: Response
        try {
          response = await send(url, {
            method: 'GET',
            redirect: 'manual',
            signal,
            headers: { accept: 'text/plain, text/html;q=0.9, application/json, */*;q=0.1', 'user-agent': 'agentctl-reference-agent' },
          })
        } catch (err) {
          if (signal.aborted) throw err
          const cause = (err as { cause?: { code?: string; message?: string } }).cause
          if (cause instanceof NonPublicAddressError) throw new ToolError(`request to ${url.host} refused: ${cause.message}`)
          throw new ToolError(`request to ${url.host} failed: ${cause?.code ?? cause?.message ?? (err as Error).message}`)
        }
        if (response.status >= 300 && response.status < 400 && response.headers.get('location')) {
          await response.body?.cancel().catch(() => undefined)
          if (hop >= MAX_REDIRECTS) throw new ToolError(`too many redirects (more than ${MAX_REDIRECTS})`)
          // Each hop is re-checked (scheme, host and port): an allowlisted page must not bounce us
          // to another host, or to another port of the same host.
          url = checkUrl(new URL(response.headers.get('location')!, url).toString(), allowlist)
          continue
        }
        const contentType = (response.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase()
        if (!TEXTUAL.test(contentType)) {
          await response.body?.cancel().catch(() => undefined)
          throw new ToolError(`unsupported content type "${contentType || 'none'}": only text and JSON are fetched`)
        }
        const body = await readCapped(response, cap)
        return { url: url.toString(), status: response.status, contentType, bytes: body.bytes, truncated: body.truncated, body: body.text }
      }
    },
  }
}
