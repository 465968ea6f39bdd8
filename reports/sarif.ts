/**
 * SARIF 2.1.0 for code scanning (GitHub, GitLab, Azure DevOps), built with node-sarif-builder.
 * One run per job, one rule per check id, one result per finding that is not a pass. A combined
 * demo report has a run per section, each with its own automationDetails id (GitHub refuses two
 * runs of one tool and category in one upload); a single job's run has none, so the uploader's
 * category applies (upload-sarif keeps an id already in the file).
 *
 * Levels: a failure is 'error' when its severity gates (fail), 'warning' when it only warns, 'note'
 * for info; a warning is 'warning'; an error (the check could not judge) gates like a failure, so it
 * is an 'error' whose message says it could not judge; a skip is kind 'notApplicable', level
 * 'none' (SARIF §3.27.9: a kind other than 'fail' has level 'none').
 * Locations come from Finding.location (src/report.ts). A finding about the running agent has
 * none; GitHub code scanning refuses a result without a file ("expected at least one location"),
 * so when the caller knows where the target is declared (the config file's target.url) such a
 * finding points there, marked as the target's location. Without it the result has no location.
 */
import type { CheckDoc } from '../src/check.js'
export type { CheckDoc }
import { SarifBuilder, SarifResultBuilder, SarifRuleBuilder, SarifRunBuilder } from 'node-sarif-builder'
import type { Result } from 'sarif'
import type { Finding, FindingLocation, Report, Severity } from '../src/report.js'
import { evidenceEntries } from './format.js'

/** What the renderer knows of a check beyond the report: its catalogue line and README. */

const SCHEMA_URI = 'https://json.schemastore.org/sarif-2.1.0.json'

export function renderSarif(report: Report, docs: Readonly<Record<string, CheckDoc>> = {}, targetLocation?: FindingLocation): string {
  const log = new SarifBuilder({ $schema: SCHEMA_URI })
  const jobs = report.sections?.length ? report.sections : [report]
  // Ctrl-C: the run did not complete (a demo's overall interruption may fall between its jobs).
  const interrupted = report.verdict === 'interrupted'
  for (const job of jobs) log.addRun(buildRun(job, report.tool, docs, targetLocation, jobs.length > 1, interrupted))
  return JSON.stringify(log.buildSarifOutput(), null, 2) + '\n'
}

function buildRun(job: Report, tool: Report['tool'], docs: Readonly<Record<string, CheckDoc>>, targetLocation: FindingLocation | undefined, combined: boolean, interrupted: boolean): SarifRunBuilder {
  const run = new SarifRunBuilder().initSimple({ toolDriverName: tool.name, toolDriverVersion: tool.version })
  if (combined) run.run.automationDetails = { id: `agentctl/${job.command}/` }
  run.run.invocations = [
    {
      executionSuccessful: !interrupted,
      ...(interrupted ? { exitCode: 130, exitCodeDescription: 'interrupted (Ctrl-C) before the run finished: no verdict' } : {}),
      startTimeUtc: job.startedAt,
      properties: { target: job.target, verdict: job.verdict, score: job.score },
    },
  ]
  const seen = new Set<string>()
  for (const f of job.findings) {
    if (seen.has(f.checkId)) continue
    seen.add(f.checkId)
    run.addRule(buildRule(f, docs[f.checkId]))
  }
  for (const f of job.findings) if (f.status !== 'pass') run.addResult(buildResult(f, targetLocation))
  return run
}

function buildRule(f: Finding, doc: CheckDoc | undefined): SarifRuleBuilder {
  const rule = new SarifRuleBuilder().initSimple({ ruleId: f.checkId, shortDescriptionText: doc?.title ?? f.title, fullDescriptionText: doc?.description ?? f.title })
  rule.rule.name = f.checkId
  if (doc?.readme) rule.rule.help = { text: doc.readme, markdown: doc.readme }
  rule.rule.defaultConfiguration = { level: failureLevel(f.severity) }
  rule.rule.properties = { category: f.category, tags: ['agentctl', f.category] }
  return rule
}

function failureLevel(severity: Severity): 'error' | 'warning' | 'note' {
  return severity === 'fail' ? 'error' : severity === 'warn' ? 'warning' : 'note'
}

function buildResult(f: Finding, targetLocation: FindingLocation | undefined): SarifResultBuilder {
  const result = new SarifResultBuilder()
  const r: Result = result.result
  r.ruleId = f.checkId
  r.message = { text: messageOf(f) }
  if (f.status === 'skip') {
    r.kind = 'notApplicable'
    r.level = 'none'
  } else {
    r.kind = 'fail'
    r.level = f.status === 'warn' ? (f.severity === 'info' ? 'note' : 'warning') : failureLevel(f.severity)
  }
  const location = f.location ?? targetLocation
  if (location) {
    const { file, line, key } = location
    r.locations = [
      {
        physicalLocation: { artifactLocation: { uri: encodeURI(file) }, ...(line ? { region: { startLine: line } } : {}) },
        ...(key ? { logicalLocations: [{ fullyQualifiedName: key, kind: 'member' }] } : {}),
        ...(f.location ? {} : { message: { text: 'the agent under test, declared here' } }),
      },
    ]
  }
  r.properties = { status: f.status, severity: f.severity, category: f.category, durationMs: f.durationMs, evidence: Object.fromEntries(evidenceEntries(f.evidence, 2000)) }
  return result
}

/** The finding's words, its remediation and (for an error) that the check could not judge. */
function messageOf(f: Finding): string {
  const head = f.status === 'error' ? `${f.title}: could not judge: ${f.message}` : `${f.title}: ${f.message}`
  return f.remediation ? `${head}\nRemediation: ${f.remediation}` : head
}
