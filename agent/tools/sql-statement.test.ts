import { describe, expect, it } from 'vitest'
import { checkReadOnlyStatement, StatementRejected } from './sql-statement.js'

describe('read-only statement check', () => {
  it.each([
    ['SELECT 1', 'SELECT 1'],
    ['select * from tool_catalog.model_pricing;', 'select * from tool_catalog.model_pricing'],
    ['SELECT 1; -- trailing comment', 'SELECT 1'],
    ['WITH t AS (SELECT 1 AS x) SELECT x FROM t', 'WITH t AS (SELECT 1 AS x) SELECT x FROM t'],
    ['VALUES (1), (2)', 'VALUES (1), (2)'],
    ['TABLE tool_catalog.model_pricing', 'TABLE tool_catalog.model_pricing'],
    // Keywords inside literals, quoted identifiers and comments are data, not commands.
    [`SELECT 'DELETE FROM x; DROP TABLE y' AS note`, `SELECT 'DELETE FROM x; DROP TABLE y' AS note`],
    [`SELECT $$ insert; $$, E'it\\'s; update', "delete" FROM t`, `SELECT $$ insert; $$, E'it\\'s; update', "delete" FROM t`],
    ['SELECT /* drop; */ 1', 'SELECT /* drop; */ 1'],
  ])('accepts %s', (sql, normalised) => {
    expect(checkReadOnlyStatement(sql)).toBe(normalised)
  })

  it.each([
    ['SELECT 1; DROP TABLE t', /single statement/],
    ['SELECT 1;/* x */ SELECT 2', /single statement/],
    ['DELETE FROM t', /starts with "DELETE"/],
    ['SET default_transaction_read_only = off', /starts with "SET"/],
    ['BEGIN', /starts with "BEGIN"/],
    ['WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d', /"DELETE" is not allowed/],
    ['WITH d AS (UPDATE t SET a = 1 RETURNING *) SELECT 1', /"UPDATE" is not allowed/],
    ['SELECT * INTO new_table FROM t', /"INTO" is not allowed/],
    ["SELECT set_config('role', 'postgres', true)", /set_config\(\) is not allowed/],
    ["SELECT pg_catalog.set_config ( 'role', 'x', true)", /set_config\(\) is not allowed/],
    ['SELECT "set_config"(\'role\', \'x\', true)', /set_config\(\) is not allowed/],
    ["SELECT query_to_xml('select * from secrets', true, true, '')", /query_to_xml\(\) is not allowed/],
    ['SELECT pg_advisory_lock(1)', /pg_advisory_lock\(\) is not allowed/],
    ["SELECT lo_import('/etc/passwd')", /lo_import\(\) is not allowed/],
    ["SELECT pg_read_file('/etc/passwd')", /pg_read_file\(\) is not allowed/],
    ['SELECT pg_terminate_backend(1)', /not allowed/],
    ['SELECT U&"d\\0061ta" FROM t', /Unicode-escaped/],
    ["SELECT 'unterminated", /unterminated string/],
    ['SELECT /* open', /unterminated/],
    ['', /empty/],
    [';;', /empty/],
  ])('rejects %s', (sql, message) => {
    expect(() => checkReadOnlyStatement(sql)).toThrow(StatementRejected)
    expect(() => checkReadOnlyStatement(sql)).toThrow(message)
  })
})
