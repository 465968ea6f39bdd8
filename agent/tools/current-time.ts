import { z } from 'zod'
import { ToolError, type ToolSpec } from './types.js'

const schema = z.strictObject({
  timezone: z.string().min(1).max(64).optional().describe('IANA time zone, e.g. "Europe/Paris" or "America/New_York"; default UTC'),
})

/** Intl is the validator: it knows the runtime's IANA database, so no hand-kept list goes stale. */
function validTimeZone(tz: string): string {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: tz }).resolvedOptions().timeZone
  } catch {
    throw new ToolError(`unknown time zone "${tz}"; use an IANA name such as "Europe/Paris", "Asia/Tokyo" or "UTC"`)
  }
}

/** The wall-clock time in `timeZone` as ISO 8601 with its offset, e.g. 2026-11-21T23:03:20+01:00. */
export function localIso(now: Date, timeZone: string): { iso: string; weekday: string; utcOffset: string } {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', second: '2-digit', weekday: 'long', timeZoneName: 'longOffset',
    }).formatToParts(now).map((p) => [p.type, p.value]),
  )
  // longOffset reads "GMT+01:00", or plain "GMT" at offset zero.
  const utcOffset = parts.timeZoneName === 'GMT' ? '+00:00' : String(parts.timeZoneName).replace('GMT', '')
  const iso = `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}${utcOffset === '+00:00' ? 'Z' : utcOffset}`
  return { iso, weekday: String(parts.weekday), utcOffset }
}

export const currentTimeTool: ToolSpec<typeof schema> = {
  name: 'current_time',
  description: 'Get the current date and time (ISO 8601), optionally in an IANA time zone. Use it for anything involving "today", "now" or time differences.',
  schema,
  async run({ timezone }) {
    const timeZone = validTimeZone(timezone ?? 'UTC')
    const now = new Date()
    return { timezone: timeZone, ...localIso(now, timeZone), utc: now.toISOString(), unixSeconds: Math.floor(now.getTime() / 1000) }
  },
}
