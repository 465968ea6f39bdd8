/**
 * The protobuf writer of the OTLP span encoder (encode.ts): one growing buffer; strings and hex IDs
 * converted by Buffer's native code; a length written after its content: room is reserved for a
 * guessed length (for a string, the longest its UTF-16 length allows), and `end()` moves the
 * content so that the length takes the shortest varint, as the SDK's writer leaves it. Methods
 * chain: `w.tag(5, LEN).string(name)`.
 */
import type { HrTime } from '@opentelemetry/api'

/** Wire types. */
export const VARINT = 0
export const FIXED64 = 1
export const LEN = 2
export const FIXED32 = 5

/** What the writer cannot encode as the SDK would (an ID that is not hex): SpanBatch.add refuses that span. */
export class NotEncodable extends Error {}

const varintSize = (n: number) => (n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5)

/**
 * Strings met on every span (attribute keys, span names), kept encoded (length + UTF-8). Only
 * short ones, and at most 1024 of them (a span name can come from the model: `execute_tool <name>`),
 * so the cache stays under about 130 kB whatever the spans hold.
 */
const repeated = new Map<string, Uint8Array>()
const REPEATED_MAX = 1024
const REPEATED_MAX_CHARS = 128

/** A writer's first buffer; it doubles as needed. */
const FIRST_SIZE = 1 << 16

export class Writer {
  buf: Buffer
  pos = 0
  /** The bytes kept for each open length, innermost last. */
  private reserved: number[] = []

  constructor(size = FIRST_SIZE) {
    this.buf = Buffer.allocUnsafe(size)
  }

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return
    let size = this.buf.length * 2
    while (size < this.pos + n) size *= 2
    const next = Buffer.allocUnsafe(size)
    this.buf.copy(next, 0, 0, this.pos)
    this.buf = next
  }

  tag(field: number, wire: number): this {
    return this.uint((field << 3) | wire)
  }

  /** An unsigned 32-bit varint (tags, lengths, counts, enums); anything else is left to the SDK, which writes it as an int64. */
  uint(n: number): this {
    if (n >>> 0 !== n) throw new NotEncodable(`${n} is not an unsigned 32-bit integer`)
    this.room(5)
    let v = n >>> 0
    while (v > 0x7f) {
      this.buf[this.pos++] = (v & 0x7f) | 0x80
      v >>>= 7
    }
    this.buf[this.pos++] = v
    return this
  }

  /** An int64 varint from a JS integer (a negative one in two's complement: 10 bytes), as the SDK writes it. */
  int64(value: number): this {
    if (value >= 0 && value <= 0xffffffff) return this.uint(value)
    const abs = Math.abs(value)
    let low = abs >>> 0
    let high = (abs / 0x100000000) >>> 0
    if (value < 0) {
      low = (~low + 1) >>> 0
      high = (~high + (low === 0 ? 1 : 0)) >>> 0
    }
    this.room(10)
    while (high > 0 || low > 0x7f) {
      this.buf[this.pos++] = (low & 0x7f) | 0x80
      low = ((low >>> 7) | (high << 25)) >>> 0
      high >>>= 7
    }
    this.buf[this.pos++] = low
    return this
  }

  fixed32(n: number): this {
    this.room(4)
    this.pos = this.buf.writeUInt32LE(n >>> 0, this.pos)
    return this
  }

  /** Nanoseconds since the epoch as fixed64, computed the SDK's way: exact, no float past 2^53. */
  time([seconds, nanos]: HrTime): this {
    const lowNs = (seconds & 0xffff) * 1e9
    const highNs = ((seconds / 0x10000) >>> 0) * 1e9
    const low = (lowNs >>> 0) + (((highNs & 0xffff) * 0x10000) >>> 0) + nanos
    const high = Math.floor(lowNs / 0x100000000) + ((highNs / 0x10000) >>> 0) + Math.floor(low / 0x100000000)
    this.room(8)
    this.buf.writeUInt32LE(low >>> 0, this.pos)
    this.pos = this.buf.writeUInt32LE(high >>> 0, this.pos + 4)
    return this
  }

  double(n: number): this {
    this.room(8)
    this.pos = this.buf.writeDoubleLE(n, this.pos)
    return this
  }

  bytes(bytes: Uint8Array): this {
    return this.uint(bytes.length).raw(bytes)
  }

  /** Bytes already encoded (a batch's spans), written as they are. */
  raw(bytes: Uint8Array): this {
    this.room(bytes.length)
    this.buf.set(bytes, this.pos)
    this.pos += bytes.length
    return this
  }

  /** Forgets what was written from `pos` on (a span that could not be encoded whole). */
  rewind(pos: number): void {
    this.pos = pos
    this.reserved.length = 0
  }

  /** A trace or span ID: hex in the SDK, bytes on the wire. */
  id(hex: string): this {
    const length = hex.length / 2
    if (!Number.isInteger(length)) throw new NotEncodable(`ID ${JSON.stringify(hex.slice(0, 40))} is not hex`)
    this.uint(length).room(length)
    if (this.buf.write(hex, this.pos, length, 'hex') !== length) throw new NotEncodable(`ID ${JSON.stringify(hex.slice(0, 40))} is not hex`)
    this.pos += length
    return this
  }

  /**
   * A string's UTF-8. A short one gets room for its longest UTF-8 (3 bytes per UTF-16 unit) and
   * its length is written after; a long one is measured first, so it needs room only once.
   */
  string(s: string): this {
    const longest = s.length <= 1024 ? s.length * 3 : Buffer.byteLength(s)
    const at = this.begin(varintSize(longest), longest)
    this.pos += this.buf.write(s, this.pos, 'utf8')
    return this.end(at)
  }

  /** A string met on every span: encoded once (a short one, while the cache has room; else each time). */
  repeatedString(s: string): this {
    let encoded = repeated.get(s)
    if (!encoded) {
      if (s.length > REPEATED_MAX_CHARS || repeated.size >= REPEATED_MAX) return this.string(s)
      const start = this.pos
      this.string(s)
      // A copy in its own small array (Buffer's slice() is a view, and a pooled Buffer keeps its 8 kB slab alive).
      encoded = new Uint8Array(this.buf.subarray(start, this.pos))
      repeated.set(s, encoded)
      return this
    }
    return this.raw(encoded)
  }

  /** Opens a length-delimited field, keeping `reserve` bytes for its length; `end(at)` writes it. */
  begin(reserve: number, content = 0): number {
    this.room(reserve + content)
    const at = this.pos
    this.reserved.push(reserve)
    this.pos += reserve
    return at
  }

  end(at: number): this {
    const reserve = this.reserved.pop()!
    const length = this.pos - at - reserve
    const size = varintSize(length)
    if (size !== reserve) {
      this.room(size - reserve)
      this.buf.copyWithin(at + size, at + reserve, this.pos)
      this.pos += size - reserve
    }
    let v = length
    while (v > 0x7f) {
      this.buf[at++] = (v & 0x7f) | 0x80
      v >>>= 7
    }
    this.buf[at] = v
    return this
  }
}
