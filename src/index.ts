// The engine's public API, for users who script agentctl instead of running the CLI.
export * from './report.js'
export * from './check.js'
export { runChecks, selectChecks, categoryOf } from './runner.js'
export { loadConfig, ConfigError } from './config/load.js'
export { ConfigSchema, configJsonSchema, type AgentctlConfig } from './config/schema.js'
export { redact, redactDeep, registerSecret } from './redact.js'
export { ExitCode, AgentctlError } from './exit-codes.js'
export { parseDuration, parseDurationRange, formatDuration } from './duration.js'
