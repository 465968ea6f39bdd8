/**
 * W3C Trace Context headers, shared by the engine (which sends `traceparent` on the chats validate
 * sends and reads the agent's `traceresponse`) and the reference agent (which continues the
 * caller's `traceparent` and answers with `traceresponse`). A contract, so both sides parse one
 * grammar: `version-traceid-parentid-flags`, the same for Level 2's `traceresponse` (whose third
 * field is the server's own span id).
 */
import { randomBytes } from 'node:crypto'

export interface TraceContext {
  /** 32 lowercase hex digits, never all zero. */
  traceId: string
  /** 16 lowercase hex digits, never all zero: the caller's span (traceparent) or the server's (traceresponse). */
  spanId: string
  /** The trace-flags byte (bit 0: sampled). */
  flags: number
}

const HEADER = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/

/**
 * A `traceparent` or `traceresponse` value, or undefined when it is absent or malformed (then the
 * spec says to ignore it). Version ff and all-zero ids are invalid (§3.2.2); version 00 has exactly
 * four fields, later versions may append more. Upper-case hex is read as lower case: agents that
 * get the case wrong still name a real trace.
 */
export function parseTraceHeader(value: unknown): TraceContext | undefined {
  if (typeof value !== 'string') return undefined
  const m = HEADER.exec(value.trim().toLowerCase())
  if (!m || m[1] === 'ff' || /^0+$/.test(m[2]!) || /^0+$/.test(m[3]!) || (m[1] === '00' && m[5] !== undefined)) return undefined
  return { traceId: m[2]!, spanId: m[3]!, flags: Number.parseInt(m[4]!, 16) }
}

/** The header value for a context: version 00, as every current implementation sends it. */
export function formatTraceHeader(c: TraceContext): string {
  return `00-${c.traceId}-${c.spanId}-${c.flags.toString(16).padStart(2, '0')}`
}

/** A fresh root context: random 16-byte trace id and 8-byte parent id, sampled (flags 01). */
export function newTraceContext(): TraceContext {
  return { traceId: nonZeroHex(16), spanId: nonZeroHex(8), flags: 1 }
}

function nonZeroHex(bytes: number): string {
  for (;;) {
    const hex = randomBytes(bytes).toString('hex')
    if (!/^0+$/.test(hex)) return hex
  }
}
