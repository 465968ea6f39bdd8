/**
 * `agentctl validate` against real framework agents (fixtures/agents/frameworks): every resilience
 * verdict matches the table derived from the framework's code (expected.ts, with file:line), no
 * check ends in `error`, and every non-pass message names the cause it observed.
 *
 * The agents run at once (each with its own mock): their time is mostly the frameworks' own
 * retry backoff under an error storm, not CPU.
 */
import { describe, expect, it } from 'vitest'
import { AGENTS } from './agents.js'
import { EXPECTED } from './expected.js'
import { frameworksSkipReason, runCli, withStack } from './support.js'

const RESILIENCE = ['input-validation', 'liveness-isolation', 'retry-after', 'no-retry-permanent-errors', 'llm-timeout', 'model-fallback', 'circuit-breaker', 'bad-llm-output', 'rate-limiting']

describe.skipIf(frameworksSkipReason()).concurrent('validate judges framework agents from their own behaviour', () => {
  it.each(Object.keys(EXPECTED))('%s', async (agentKey) => {
    expect(AGENTS[agentKey], agentKey).toBeDefined()
    await withStack(agentKey, async (stack) => {
      // slo.p95Ms 1s: the hang budget is its floor, 10 s (checks/llm-timeout); --max-recovery bounds every wait.
      const run = await runCli(agentKey, stack, 'validate', ['--only', 'resilience', '--max-recovery', '10s'], { slo: { p95Ms: 1000 } })
      const findings = run.report.findings ?? []
      const table = EXPECTED[agentKey]!
      const seen = findings.map((f) => `${f.checkId}: ${f.status}: ${f.message}`).join('\n')
      const explain = `${agentKey} (validate exit ${run.code} in ${run.wallMs} ms)\n${seen}\n--- stderr\n${run.stderr.slice(-2000)}\n--- agent\n${stack.output().slice(-1500)}`
      console.log(`test/frameworks: validate ${agentKey}: ${run.wallMs} ms wall`)
      expect(findings.map((f) => f.checkId).sort(), explain).toEqual([...RESILIENCE].sort())
      expect(findings.filter((f) => f.status === 'error'), explain).toEqual([])
      for (const f of findings) {
        const want = table[f.checkId]!
        expect({ check: f.checkId, status: f.status }, `${explain}\n\nexpected ${f.checkId} ${want.status}: ${want.why}`).toEqual({ check: f.checkId, status: want.status })
        if (want.cause) expect(f.message, `${f.checkId}: the message must name the observed cause (${want.why})`).toMatch(want.cause)
      }
      // Advice fits the agent: never the reference agent's own settings; the AI SDK's own knobs
      // when its UI-message stream gave the framework away (checks/remediation.ts).
      for (const f of findings) expect(f.remediation ?? '', `${f.checkId} remediation`).not.toMatch(/LLM_FALLBACK_MODELS|cockatiel/)
      if (agentKey === 'ai-sdk') expect(findings.find((f) => f.checkId === 'circuit-breaker')?.remediation, explain).toMatch(/AI SDK/)
      // A gate that fails must exit 1 (fail-on fail), never 2 (usage/internal).
      expect(run.code, explain).toBe(Object.values(table).some((e) => e.status === 'fail') ? 1 : 0)
    })
  }, 900_000)
})
