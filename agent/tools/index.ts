/**
 * The reference agent's tools: real implementations behind one registry that validates arguments
 * (zod, the single source of each JSON Schema), enforces per-role permissions, bounds every call
 * with a timeout and audits every call (PostgreSQL `agent_tool_audit` + a pino line, redacted).
 */
export { createToolRegistry } from './registry.js'
export type { ToolRegistry, ToolRegistryOptions, ToolCallObserver } from './registry.js'
export { DEFAULT_PERMISSIONS, allowedTools } from './permissions.js'
export type { Permissions } from './permissions.js'
export { pruneToolAudit, insertAuditRows, auditArrays, auditUnnest, AUDIT_COLUMNS, jsonWithoutNul } from './audit.js'
export type { AuditRow } from './audit.js'
export { ensureToolSchema, AUDIT_TABLE, READONLY_ROLE, CATALOG_SCHEMA } from './sql-schema.js'
export type { ToolSchemaOptions, ToolSchemaStatus } from './sql-schema.js'
export { evaluate as evaluateExpression, CalcError } from './calc-parser.js'
export { hostAllowed, parseAllowlist, AllowlistSyntaxError } from './http-allowlist.js'
export { ToolError } from './types.js'
export type { ToolCall, ToolContext, ToolOutcome, ToolResult, OpenAIToolDefinition, ConversationHit, ToolSpec } from './types.js'
