import { describe, expect, it } from 'vitest'
import { formatTraceHeader, newTraceContext, parseTraceHeader } from './trace-context.js'

const ID = '4bf92f3577b34da6a3ce929d0e0e4736'
const SPAN = '00f067aa0ba902b7'

describe('W3C traceparent / traceresponse grammar', () => {
  it.each([
    [`00-${ID}-${SPAN}-01`, { traceId: ID, spanId: SPAN, flags: 1 }],
    [`00-${ID}-${SPAN}-00`, { traceId: ID, spanId: SPAN, flags: 0 }],
    [` 00-${ID.toUpperCase()}-${SPAN}-01 `, { traceId: ID, spanId: SPAN, flags: 1 }], // case and whitespace forgiven
    [`01-${ID}-${SPAN}-01-future-field`, { traceId: ID, spanId: SPAN, flags: 1 }], // a later version may append fields
  ])('reads %s', (header, expected) => {
    expect(parseTraceHeader(header)).toEqual(expected)
  })

  it.each([
    `00-${'0'.repeat(32)}-${SPAN}-01`, // all-zero trace id
    `00-${ID}-${'0'.repeat(16)}-01`, // all-zero span id
    `ff-${ID}-${SPAN}-01`, // version ff is invalid
    `00-${ID}-${SPAN}-01-extra`, // version 00 has exactly four fields
    `00-${ID.slice(1)}-${SPAN}-01`,
    'not a header',
    '',
    undefined,
    ['00', ID],
  ])('ignores %s', (header) => {
    expect(parseTraceHeader(header)).toBeUndefined()
  })

  it('formats version 00 and reads back what it wrote', () => {
    expect(formatTraceHeader({ traceId: ID, spanId: SPAN, flags: 1 })).toBe(`00-${ID}-${SPAN}-01`)
    const fresh = newTraceContext()
    expect(formatTraceHeader(fresh)).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/)
    expect(parseTraceHeader(formatTraceHeader(fresh))).toEqual(fresh)
    expect(newTraceContext().traceId).not.toBe(fresh.traceId) // random per chat
  })
})
