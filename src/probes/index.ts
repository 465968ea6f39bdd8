/** Bounded probes shared by the connectivity checks (and reusable by any other check). */
export { classifyNetError, printable, type ClassifiedError, type NetErrorKind } from './errors.js'
export { Deadline, ProbeTimeoutError, elapsedMs, probeBudgetMs, withDeadline } from './deadline.js'
export { displayUrl, parseEndpoint, shellQuote, type Endpoint } from './endpoint.js'
export { numericHeader, probeHttp, type HttpProbeOptions, type HttpProbeResult } from './http.js'
export { failureOutcome, notConfigured, type DependencySpec } from './remediation.js'
export { diffFindings, formatChanges, type StatusChange } from './report-diff.js'
export { formatBytes, ms, pct } from './format.js'
export { agentHeaders, agentSpec, joinUrl } from './agent.js'
