/**
 * `agentctl diagnose --only connectivity` on every framework agent, each on its own protocol: the
 * health route answers, the missing readiness route is a warn that says so (none of these
 * frameworks ships one), the A2A agent's card is found and names its JSON-RPC endpoint, and
 * nothing ends in `error`.
 */
import { describe, expect, it } from 'vitest'
import { AGENTS } from './agents.js'
import { frameworksSkipReason, runCli, withStack } from './support.js'

describe.skipIf(frameworksSkipReason()).concurrent('diagnose connectivity works on every protocol', () => {
  it.each(Object.keys(AGENTS).filter((k) => k !== 'langgraph-stream'))('%s', async (agentKey) => {
    await withStack(agentKey, async (stack) => {
      const run = await runCli(agentKey, stack, 'diagnose', ['--only', 'connectivity'])
      const findings = run.report.findings ?? []
      const explain = `${agentKey}: diagnose exit ${run.code} in ${run.wallMs} ms\n${findings.map((f) => `${f.checkId}: ${f.status}: ${f.message}`).join('\n')}\n${run.stderr.slice(-1500)}`
      const byId = Object.fromEntries(findings.map((f) => [f.checkId, f]))
      expect(findings.filter((f) => f.status === 'error'), explain).toEqual([])
      // Alive: a pass, or the warn for a slow /health (1.3-1.5 s seen with two suites sharing 2
      // cores), which is the check's right verdict on a starved machine, not a protocol failure.
      if (byId['agent-health']?.status !== 'pass') expect(byId['agent-health']?.message, explain).toMatch(/^alive, but \/health took/)
      expect(byId['agent-ready']?.status, explain).toBe('warn')
      expect(byId['agent-ready']?.message, explain).toMatch(/no readiness endpoint/)
      if (AGENTS[agentKey]!.target.protocol === 'a2a') {
        expect(byId['agent-protocol']?.status, explain).toBe('pass')
        expect(byId['agent-protocol']?.message, explain).toMatch(/agent card "Assistant" → http:\/\/127\.0\.0\.1:\d+\/a2a\/jsonrpc/)
      }
    })
  }, 300_000)
})
