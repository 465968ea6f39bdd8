/**
 * HTML escaping for text and attribute values. Every value from a Report (which can carry anything a
 * probed service returned) goes through here; the HTML report never interpolates raw data.
 */
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' }

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g

export function esc(value: unknown): string {
  return String(value ?? '')
    .replace(CONTROL, '')
    .replace(/[&<>"'`]/g, (c) => ENTITIES[c]!)
}
