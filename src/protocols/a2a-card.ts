/**
 * A2A discovery: the agent card at /.well-known/agent-card.json names the endpoint and transport.
 * Two card generations exist (read from @a2a-js/sdk 1.3.0 dist/client/index.js):
 *  - v1.0: `supportedInterfaces: [{url, protocolBinding, protocolVersion}]`, most preferred first
 *    (pickMatchingInterface, ~line 5831);
 *  - v0.3: `url` + `preferredTransport` (default JSONRPC) + `additionalInterfaces: [{url, transport}]`
 *    (toCoreAgentCard, ~line 2180).
 * The card is asked for with `A2A-Version: 1.0`; an SDK that speaks both then serves the v1.0 card
 * (the legacy card router only answers requests without a 1.0 header).
 */
export const A2A_CARD_PATH = '/.well-known/agent-card.json'
/** Cards published before A2A 0.3 used this name. */
const LEGACY_CARD_PATH = '/.well-known/agent.json'

export type A2aBinding = 'JSONRPC' | 'HTTP+JSON'

export interface A2aEndpoint {
  url: string
  binding: A2aBinding
  /** '1.0' speaks SendMessage / proto-JSON enums; anything older the 0.3 shapes (message/send). */
  version: string
  cardUrl: string
  name?: string
}

export class ProtocolSetupError extends Error {
  constructor(
    message: string,
    readonly hint: string,
    readonly evidence: Record<string, unknown> = {},
  ) {
    super(message)
    this.name = 'ProtocolSetupError'
  }
}

export interface FetchOptions {
  signal?: AbortSignal
  timeoutMs?: number
  headers?: Record<string, string>
}

export async function discoverA2a(baseUrl: string, cardPath: string | undefined, opts: FetchOptions = {}): Promise<A2aEndpoint> {
  const paths = cardPath ? [cardPath] : [A2A_CARD_PATH, LEGACY_CARD_PATH]
  let last: { url: string; status?: number; error?: string } | undefined
  for (const path of paths) {
    const url = new URL(path, baseUrl).toString()
    const got = await getJson(url, opts)
    if ('card' in got) return pickEndpoint(got.card, url)
    last = { url, ...got }
    if (got.status !== 404) break
  }
  const why = last?.status !== undefined ? `answered HTTP ${last.status}` : `could not be fetched (${last?.error})`
  throw new ProtocolSetupError(
    `the A2A agent card at ${last?.url} ${why}, so the agent's A2A endpoint is unknown`,
    `Serve the agent card at ${A2A_CARD_PATH} (the A2A spec's well-known path; @a2a-js/sdk's agentCardHandler does), or set target.request.cardPath to where it is.`,
    { cardUrl: last?.url, ...(last?.status !== undefined ? { status: last.status } : { error: last?.error }) },
  )
}

async function getJson(url: string, opts: FetchOptions): Promise<{ card: Record<string, unknown> } | { status?: number; error?: string }> {
  const timeout = AbortSignal.timeout(opts.timeoutMs ?? 5000)
  try {
    const res = await fetch(url, { headers: { accept: 'application/json', 'A2A-Version': '1.0', ...opts.headers }, signal: opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout })
    const text = await res.text()
    if (!res.ok) return { status: res.status }
    try {
      const card = JSON.parse(text)
      if (card && typeof card === 'object') return { card }
    } catch {
      /* reported below */
    }
    return { status: res.status, error: 'the body is not a JSON object' }
  } catch (error) {
    if (opts.signal?.aborted) throw error
    const e = error as { name?: string; cause?: { code?: string }; message?: string }
    return { error: e.name === 'TimeoutError' ? `no answer within ${opts.timeoutMs ?? 5000}ms` : (e.cause?.code ?? e.message ?? String(error)) }
  }
}

interface Candidate {
  url?: unknown
  binding?: unknown
  version?: unknown
}

export function pickEndpoint(card: Record<string, unknown>, cardUrl: string): A2aEndpoint {
  const name = typeof card.name === 'string' ? card.name : undefined
  const candidates: Candidate[] = []
  if (Array.isArray(card.supportedInterfaces) && card.supportedInterfaces.length > 0) {
    for (const i of card.supportedInterfaces as Record<string, unknown>[]) candidates.push({ url: i.url, binding: i.protocolBinding, version: i.protocolVersion ?? '1.0' })
  } else {
    const version = typeof card.protocolVersion === 'string' ? card.protocolVersion : '0.3.0'
    candidates.push({ url: card.url, binding: card.preferredTransport ?? 'JSONRPC', version })
    for (const i of (Array.isArray(card.additionalInterfaces) ? card.additionalInterfaces : []) as Record<string, unknown>[]) {
      candidates.push({ url: i.url, binding: i.transport, version })
    }
  }
  const usable = candidates.filter((c) => typeof c.url === 'string' && /^(JSONRPC|HTTP\+JSON)$/i.test(String(c.binding)))
  // The card lists its preference first; of that binding, the newest protocol version.
  const preferred = usable[0]
  const isV1 = (c: Candidate) => String(c.version).startsWith('1.')
  const chosen = preferred && (usable.find((c) => String(c.binding).toUpperCase() === String(preferred.binding).toUpperCase() && isV1(c)) ?? preferred)
  if (!chosen) {
    const offered = candidates.map((c) => `${String(c.binding)} ${String(c.url)}`).join(', ') || 'no interfaces'
    throw new ProtocolSetupError(
      `the A2A agent card at ${cardUrl} offers no JSON-RPC or HTTP+JSON interface (${offered}), so agentctl cannot send it a message`,
      'Expose the JSON-RPC binding (@a2a-js/sdk jsonRpcHandler) or the HTTP+JSON binding (restHandler) and list it in the card.',
      { cardUrl, offered },
    )
  }
  return {
    url: String(chosen.url),
    binding: String(chosen.binding).toUpperCase() as A2aBinding,
    version: String(chosen.version),
    cardUrl,
    ...(name ? { name } : {}),
  }
}
