import type pg from 'pg'
import { ToolError } from './types.js'

/**
 * Plan-based limits, checked with EXPLAIN before a statement runs, for where the database alone
 * cannot enforce them:
 * - no SELECT-only role (fallback mode): every relation the plan reads (after views are
 *   expanded) must live in an allowed schema, so the model cannot read the conversation or audit
 *   tables even though the login role could;
 * - no statement_timeout (PGlite): a planner-cost ceiling instead.
 */
export interface PlanLimits {
  allowedSchemas?: readonly string[]
  maxCost?: number
}

interface PlanNode {
  'Total Cost'?: number
  'Relation Name'?: string
  Schema?: string
  Plans?: PlanNode[]
}

function* nodes(node: PlanNode | undefined): Generator<PlanNode> {
  if (!node) return
  yield node
  for (const child of node.Plans ?? []) yield* nodes(child)
}

/**
 * One answer for "no such table or column" and "not yours to read", so errors cannot be used to
 * learn which tables and columns exist outside the catalog (PostgreSQL resolves columns before it
 * checks privileges: its own messages would tell them apart).
 */
export const unreadable = (catalogSchema: string) =>
  new ToolError(`the query names a table or column that does not exist or that this tool may not read: it may read only the ${catalogSchema} views (see ${catalogSchema}.available_columns)`)

export async function checkPlan(client: pg.PoolClient, statement: string, limits: PlanLimits): Promise<void> {
  const result = await client.query({ text: `EXPLAIN (FORMAT JSON, VERBOSE)\n${statement}\n`, queryMode: 'extended' } as pg.QueryConfig)
  const root = (result.rows[0]?.['QUERY PLAN'] as Array<{ Plan?: PlanNode }> | undefined)?.[0]?.Plan
  if (!root) throw new ToolError('could not plan the query')
  const all = [...nodes(root)]
  if (limits.allowedSchemas) {
    const outside = all.filter((n) => n['Relation Name'] && !limits.allowedSchemas!.includes(n.Schema ?? ''))
    // The same words as a missing table or column (sql-query.ts): no hint that it exists.
    if (outside.length) throw unreadable(limits.allowedSchemas[0]!)
  }
  if (limits.maxCost !== undefined) {
    // The most expensive node, not the root: a set-returning function materialises in full
    // whatever LIMIT sits above it, and the Limit node's estimate would hide that.
    const cost = Math.max(...all.map((n) => Number(n['Total Cost'] ?? 0)))
    if (!(cost <= limits.maxCost)) {
      throw new ToolError(`the query is too expensive for this database (planner cost ${Math.round(cost)} > ${limits.maxCost}); add WHERE/LIMIT or aggregate less`)
    }
  }
}
