/**
 * Static checks of the model's SQL before it reaches the database: one statement, a read-only
 * statement type, no write keywords, no functions that escape the sandbox. This is a layer, not
 * the guard: the database enforces READ ONLY, the SELECT-only role and statement_timeout on its
 * own (the integration tests prove each layer separately). What this layer adds is the part the
 * database cannot: `set_config('role', …)` would let a query switch back from the read-only role
 * to the pool's login role, and functions like query_to_xml() run SQL text built at run time.
 *
 * A real lexer (strings, E'' escapes, dollar quotes, quoted identifiers, nested comments), so a
 * keyword inside a string literal is not a false positive and a comment cannot hide a keyword.
 */
export class StatementRejected extends Error {
  override name = 'StatementRejected'
}

type Token = { kind: 'word' | 'quoted' | 'string' | 'punct' | 'other'; text: string; end: number }

const READ_ONLY_STARTS = new Set(['select', 'with', 'values', 'table'])
const WRITE_KEYWORDS = new Set([
  'insert', 'update', 'delete', 'merge', 'copy', 'create', 'drop', 'alter', 'truncate', 'grant', 'revoke',
  'into', 'lock', 'call', 'do', 'execute', 'prepare', 'deallocate', 'listen', 'notify', 'unlisten', 'vacuum',
  'reset', 'discard',
])
const DENIED_FUNCTIONS = new Set([
  'set_config', 'query_to_xml', 'query_to_xmlschema', 'query_to_xml_and_xmlschema', 'cursor_to_xml', 'cursor_to_xmlschema',
  'table_to_xml', 'table_to_xmlschema', 'table_to_xml_and_xmlschema', 'schema_to_xml', 'schema_to_xmlschema',
  'schema_to_xml_and_xmlschema', 'database_to_xml', 'database_to_xmlschema', 'database_to_xml_and_xmlschema',
  'ts_stat', 'ts_rewrite', 'pg_notify', 'nextval', 'setval', 'pg_terminate_backend', 'pg_cancel_backend',
  'pg_reload_conf', 'pg_rotate_logfile', 'pg_switch_wal', 'pg_promote', 'pg_log_backend_memory_contexts',
])
const DENIED_PREFIXES = ['pg_advisory', 'pg_try_advisory', 'lo_', 'dblink', 'pg_read_', 'pg_ls_', 'pg_stat_reset', 'pg_create_', 'pg_drop_', 'pg_replication_', 'pg_logical_', 'pg_backup_', 'pg_file_']

export const MAX_SQL_LENGTH = 10_000

function lex(sql: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  const n = sql.length
  while (i < n) {
    const c = sql[i]!
    if (/\s/.test(c)) { i++; continue }
    if (c === '-' && sql[i + 1] === '-') { while (i < n && sql[i] !== '\n') i++; continue }
    if (c === '/' && sql[i + 1] === '*') {
      let depth = 1
      i += 2
      while (i < n && depth > 0) {
        if (sql[i] === '/' && sql[i + 1] === '*') { depth++; i += 2 } else if (sql[i] === '*' && sql[i + 1] === '/') { depth--; i += 2 } else i++
      }
      if (depth > 0) throw new StatementRejected('unterminated /* comment */')
      continue
    }
    if ((c === 'u' || c === 'U') && sql[i + 1] === '&') throw new StatementRejected('Unicode-escaped identifiers and strings (U&"…") are not allowed')
    const escaped = (c === 'e' || c === 'E') && sql[i + 1] === "'"
    if (c === "'" || escaped) {
      let j = escaped ? i + 2 : i + 1
      for (;;) {
        if (j >= n) throw new StatementRejected('unterminated string literal')
        if (escaped && sql[j] === '\\') { j += 2; continue }
        if (sql[j] === "'") { if (sql[j + 1] === "'") { j += 2; continue } break }
        j++
      }
      tokens.push({ kind: 'string', text: sql.slice(i, j + 1), end: j + 1 })
      i = j + 1
      continue
    }
    const dollar = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i))
    if (dollar) {
      const end = sql.indexOf(dollar[0], i + dollar[0].length)
      if (end < 0) throw new StatementRejected('unterminated dollar-quoted string')
      tokens.push({ kind: 'string', text: sql.slice(i, end + dollar[0].length), end: end + dollar[0].length })
      i = end + dollar[0].length
      continue
    }
    if (c === '"') {
      const end = sql.indexOf('"', i + 1)
      if (end < 0) throw new StatementRejected('unterminated quoted identifier')
      tokens.push({ kind: 'quoted', text: sql.slice(i + 1, end).toLowerCase(), end: end + 1 })
      i = end + 1
      continue
    }
    const word = /^[A-Za-z_\u0080-\uFFFF][A-Za-z0-9_$\u0080-\uFFFF]*/.exec(sql.slice(i))
    if (word) { tokens.push({ kind: 'word', text: word[0].toLowerCase(), end: i + word[0].length }); i += word[0].length; continue }
    if ('();,.'.includes(c)) { tokens.push({ kind: 'punct', text: c, end: i + 1 }); i++; continue }
    tokens.push({ kind: 'other', text: c, end: i + 1 })
    i++
  }
  return tokens
}

function deniedFunction(name: string): boolean {
  return DENIED_FUNCTIONS.has(name) || DENIED_PREFIXES.some((p) => name.startsWith(p))
}

export interface StatementCheckOptions {
  /**
   * The backend does not enforce statement_timeout (PGlite: single-threaded WASM, which also
   * blocks the agent's event loop while it runs a query). Then sleeps and recursive CTEs, which
   * the planner cannot cost, are refused too; the executor adds a planner-cost ceiling.
   */
  untimed?: boolean
  /**
   * The caller is not an admin: it may name only the catalog views, never PostgreSQL's own
   * catalogs (`pg_*`), which every database role can read (pg_class row estimates, pg_stat_*
   * counters, pg_attribute's columns of every table) and which no grant can take away from one role.
   */
  catalogOnly?: boolean
}

/** Returns the statement without trailing semicolons, or throws StatementRejected with a reason the model can act on. */
export function checkReadOnlyStatement(sql: string, opts: StatementCheckOptions = {}): string {
  if (sql.length > MAX_SQL_LENGTH) throw new StatementRejected(`the query is longer than ${MAX_SQL_LENGTH} characters`)
  const tokens = lex(sql)
  while (tokens.at(-1)?.text === ';' && tokens.at(-1)?.kind === 'punct') tokens.pop()
  if (tokens.length === 0) throw new StatementRejected('the query is empty')
  if (tokens.some((t) => t.kind === 'punct' && t.text === ';')) throw new StatementRejected('only a single statement is allowed (found ";" between statements)')
  const first = tokens[0]!
  if (first.kind !== 'word' || !READ_ONLY_STARTS.has(first.text)) {
    throw new StatementRejected(`only read-only queries are allowed (SELECT, WITH … SELECT, VALUES, TABLE); this one starts with "${first.text.toUpperCase()}"`)
  }
  tokens.forEach((t, index) => {
    if (t.kind === 'word' && WRITE_KEYWORDS.has(t.text)) throw new StatementRejected(`"${t.text.toUpperCase()}" is not allowed: the query tool is read-only`)
    if (opts.untimed && t.kind === 'word' && (t.text === 'recursive' || t.text.startsWith('pg_sleep'))) {
      throw new StatementRejected(`"${t.text}" is not allowed on this database (the embedded PostgreSQL cannot time queries out)`)
    }
    if (opts.catalogOnly && (t.kind === 'word' || t.kind === 'quoted') && t.text.startsWith('pg_')) {
      throw new StatementRejected(`"${t.text}" is not allowed for this role: it may read only the tool_catalog views (PostgreSQL's pg_* catalogs are for admins)`)
    }
    const next = tokens[index + 1]
    if ((t.kind === 'word' || t.kind === 'quoted') && next?.kind === 'punct' && next.text === '(' && deniedFunction(t.text)) {
      throw new StatementRejected(`the function ${t.text}() is not allowed in the query tool`)
    }
  })
  // Cut after the last significant token: drops trailing semicolons and trailing comments, which
  // would otherwise break (or, for `--`, swallow) the row-cap wrapper the executor adds.
  return sql.slice(0, tokens.at(-1)!.end)
}
