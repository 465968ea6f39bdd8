/** Which tools each role may call. API keys map to roles (see guard/auth.ts). */
export type Permissions = Record<string, string[] | '*'>

/**
 * admin: everything. user: the tools that only read (the SQL tool is read-only for real).
 * readonly: tools that touch no data at all. http_get is granted by `*` only (admin) unless a
 * custom table names it, and it is off anyway while the host allowlist is empty.
 */
export const DEFAULT_PERMISSIONS: Readonly<Permissions> = Object.freeze({
  admin: '*',
  user: ['calculator', 'current_time', 'conversation_search', 'sql_query'],
  readonly: ['calculator', 'current_time'],
})

/** The tool names `role` may call, among `available`. An unknown role gets nothing. */
export function allowedTools(permissions: Permissions, role: string, available: readonly string[]): string[] {
  const grant = Object.hasOwn(permissions, role) ? permissions[role] : undefined
  if (grant === undefined) return []
  if (grant === '*') return [...available]
  return available.filter((name) => grant.includes(name))
}
