import { redact } from '../redact.js'

/**
 * Why a probe failed, in the words an on-call engineer needs. Libraries report the same fault in
 * many shapes (ioredis: "Connection is closed." with the cause on the `error` event; pg: "timeout
 * expired"; undici: TypeError "fetch failed" with the cause nested), so every probe funnels its error
 * through classifyNetError and the checks word their findings from the kind.
 */
export type NetErrorKind = 'refused' | 'timeout' | 'dns' | 'reset' | 'tls' | 'auth' | 'protocol' | 'unreachable' | 'unknown'

export interface ClassifiedError {
  kind: NetErrorKind
  /** One human line, e.g. "connection refused". */
  summary: string
  /** The library's own message (redacted), for the evidence. */
  detail: string
  /** errno / TLS / SQLSTATE code when the library gave one. */
  code?: string
}

/** What the probe saw on the wire; lets a stalled handshake after garbage read as "wrong protocol". */
export interface WireObservation {
  bytesReceived?: number
  firstBytes?: string
}

const SUMMARY: Record<NetErrorKind, string> = {
  refused: 'connection refused',
  timeout: 'no answer in time',
  dns: 'host name does not resolve',
  reset: 'connection reset by the server',
  tls: 'TLS handshake failed',
  auth: 'credentials rejected',
  protocol: 'the server answered in the wrong protocol',
  unreachable: 'network unreachable',
  unknown: 'unexpected error',
}

const TLS_CODE = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|HOSTNAME_MISMATCH|ERR_OSSL_)/
const AUTH_TEXT = /NOAUTH|WRONGPASS|invalid username-password|password authentication failed|authentication failed|Authorization Violation|not authorized|user .* does not exist|role ".*" does not exist|invalid api key|incorrect api key|unauthori[sz]ed/i
const PROTOCOL_TEXT = /Unknown RESP type|Protocol error|unexpected response|Parse Error|HPE_|invalid (?:response|header|status)|Expected HTTP|not a (?:redis|postgres)/i
const TIMEOUT_TEXT = /timed? ?out|timeout expired|deadline/i

export function classifyNetError(error: unknown, wire: WireObservation = {}): ClassifiedError {
  const chain = causeChain(error)
  // Only string codes: DOMException's numeric `code` (23 = TIMEOUT_ERR) says nothing to an operator.
  const codes = chain.map((e) => (e && typeof e === 'object' && typeof (e as { code?: unknown }).code === 'string' ? (e as { code: string }).code : undefined)).filter((c): c is string => !!c)
  const names = chain.map((e) => stringProp(e, 'name') ?? '')
  const text = chain.map((e) => stringProp(e, 'message') ?? String(e)).join(' <- ')
  const detail = redact(text).slice(0, 300)
  const code = codes.find((c) => !/^UND_ERR_SOCKET$/.test(c)) ?? codes[0]
  const make = (kind: NetErrorKind): ClassifiedError => ({ kind, summary: SUMMARY[kind], detail, ...(code ? { code } : {}) })
  const sawGarbage = (wire.bytesReceived ?? 0) > 0

  if (codes.includes('ECONNREFUSED')) return make('refused')
  if (codes.some((c) => c === 'ENOTFOUND' || c === 'EAI_AGAIN' || c === 'EAI_NONAME' || c === 'EAI_FAIL')) return make('dns')
  if (codes.some((c) => c === 'EHOSTUNREACH' || c === 'ENETUNREACH' || c === 'EADDRNOTAVAIL')) return make('unreachable')
  if (codes.some((c) => TLS_CODE.test(c)) || /SSL routines|wrong version number|self[- ]signed certificate|certificate has expired|altnames|does not support SSL/i.test(text)) return make('tls')
  // SQLSTATE 28P01 bad password, 28000 invalid authorization (missing role, pg_hba reject).
  if (codes.some((c) => c === '28P01' || c === '28000') || AUTH_TEXT.test(text)) return make('auth')
  if (PROTOCOL_TEXT.test(text)) return make('protocol')
  if (names.some((n) => n === 'TimeoutError' || n === 'AbortError') || codes.includes('ETIMEDOUT') || codes.includes('UND_ERR_CONNECT_TIMEOUT') || TIMEOUT_TEXT.test(text)) {
    // A server that sent bytes the client could not parse leaves the client waiting for "the rest".
    return make(sawGarbage ? 'protocol' : 'timeout')
  }
  if (codes.some((c) => c === 'ECONNRESET' || c === 'EPIPE' || c === 'UND_ERR_SOCKET' || c === 'ECONNABORTED') || /terminated unexpectedly|socket hang up|other side closed|Connection is closed/i.test(text)) {
    return make(sawGarbage ? 'protocol' : 'reset')
  }
  return make('unknown')
}

/** Printable, bounded rendering of the first bytes a server sent (for "got …" in messages). */
export function printable(data: Buffer | string, max = 40): string {
  const text = typeof data === 'string' ? data : data.subarray(0, max * 2).toString('latin1')
  return redact(text.replace(/[^\x20-\x7e]/g, (ch) => (ch === '\r' || ch === '\n' ? ' ' : '.')).trim().slice(0, max))
}

function causeChain(error: unknown): unknown[] {
  const chain: unknown[] = []
  let current: unknown = error
  while (current !== undefined && current !== null && chain.length < 5) {
    chain.push(current)
    // AggregateError (happy-eyeballs connect to ::1 and 127.0.0.1) keeps its causes in `errors`.
    const errors = (current as { errors?: unknown[] }).errors
    if (Array.isArray(errors) && errors.length) chain.push(...errors.slice(0, 2))
    current = (current as { cause?: unknown }).cause
  }
  return chain
}

function stringProp(value: unknown, key: string): string | undefined {
  if (!value || typeof value !== 'object') return undefined
  const v = (value as Record<string, unknown>)[key]
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined
}
