/**
 * Secrets never leave through any output: every report format, the terminal table, --json, the
 * GitHub step summary and error messages. Secrets are planted in the config (registered when it
 * loads) and in finding evidence, messages and remediation (caught by pattern), and the outputs are
 * searched for them. Hosts and schemes must stay visible: a redacted report is still useful.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { type Format, renderReport } from '../reports/index.js'
import { loadConfig } from '../src/config/load.js'
import { packageRoot } from '../src/paths.js'
import { resetSecrets } from '../src/redact.js'
import { parseReport } from '../src/report-schema.js'
import type { Report } from '../src/report.js'
import { makeFinding, makeReport } from './support/report-samples.js'

const SECRETS = {
  openaiKey: 'sk-proj-T3stK3yABCDEFGHIJKLMNOP',
  pgPassword: 'hunter2secret',
  redisPassword: 'p4ssw0rd',
  natsPassword: 'natsPw9981',
  bearer: 'eyJhbGciOiJIUzI1NiJ9.c2VjcmV0.sig123',
  authHeader: 'QWxhZGRpbjpvcGVuIHNlc2FtZQ',
  agentKey: 'agent-key-plain-7788', // no recognisable shape: only registration catches it
}
const URLS = {
  postgres: `postgres://u:${SECRETS.pgPassword}@db.internal:5432/db`,
  redis: `redis://:${SECRETS.redisPassword}@cache.internal:6379`,
  nats: `nats://u:${SECRETS.natsPassword}@nats.internal:4222`,
}
const VISIBLE = ['postgres://u:***@db.internal:5432/db', 'redis://:***@cache.internal:6379', 'nats://u:***@nats.internal:4222']

function plantedReport(): Report {
  const evidence = {
    url: URLS.postgres,
    redis: URLS.redis,
    nats: URLS.nats,
    apiKey: SECRETS.openaiKey,
    headers: { Authorization: `Bearer ${SECRETS.bearer}`, 'x-request-id': 'abc' },
    curl: `curl -H 'Authorization: Basic ${SECRETS.authHeader}' http://agent.internal:8080/chat`,
    body: `{"apiKey": "${SECRETS.agentKey}"}`,
  }
  const finding = makeFinding({
    status: 'fail',
    message: `connect ${URLS.postgres} failed; LLM said 401 for key ${SECRETS.openaiKey}; agent key ${SECRETS.agentKey}`,
    remediation: `redis-cli -u ${URLS.redis} ping; nats sub -s ${URLS.nats} x; curl -H "Authorization: Bearer ${SECRETS.bearer}"`,
    evidence,
  })
  return makeReport({ verdict: 'fail', score: 0, target: `http://admin:${SECRETS.redisPassword}@agent.internal:8080`, findings: [finding], sections: [makeReport({ findings: [finding] })] })
}

function expectClean(out: string, where: string): void {
  for (const [name, secret] of Object.entries(SECRETS)) expect(out, `${name} leaked in ${where}`).not.toContain(secret)
}

const dir = mkdtempSync(join(tmpdir(), 'agentctl-redaction-'))
afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
  resetSecrets()
})

describe('redaction in every renderer', () => {
  it.each(['table', 'json', 'html', 'junit', 'markdown'] satisfies Format[])('%s leaks no planted secret and keeps hosts visible', (format) => {
    const configFile = join(dir, 'agentctl.yaml')
    writeFileSync(
      configFile,
      `target:\n  url: http://agent.internal:8080\n  apiKey: \${AGENT_API_KEY}\ndependencies:\n  postgres: ${URLS.postgres}\n  redis: ${URLS.redis}\n  nats: ${URLS.nats}\n  llm: { baseUrl: 'https://api.openai.com/v1', apiKey: '${SECRETS.openaiKey}' }\n`,
    )
    loadConfig({ file: configFile, env: { AGENT_API_KEY: SECRETS.agentKey } })
    expect(parseReport(plantedReport()).ok).toBe(true)
    const out = renderReport(plantedReport(), format, { color: true })
    expectClean(out, format)
    // Markdown escapes the mask's asterisks (\*\*\*); it still reads *** on the rendered page.
    const readable = format === 'markdown' ? out.replaceAll('\\*', '*') : out
    for (const url of VISIBLE) expect(readable).toContain(url)
    expect(out).toContain('agent.internal:8080')
  })
})

describe('redaction through the CLI (agentctl report)', () => {
  const node = process.execPath
  const bin = join(packageRoot(), 'bin', 'run.js')

  it('every output file, the table, the step summary and --json are clean', () => {
    resetSecrets() // the CLI process has not seen the config: pattern redaction must do it alone
    const input = join(dir, 'planted.json')
    const report = plantedReport()
    report.findings[0]!.message = report.findings[0]!.message.replace(SECRETS.agentKey, 'plain') // unregistered and shapeless: out of scope
    report.sections![0]!.findings[0]!.message = report.findings[0]!.message
    writeFileSync(input, JSON.stringify(report))
    const outputs = ['r.json', 'r.html', 'r.xml', 'r.md'].map((f) => join(dir, f))
    const summary = join(dir, 'summary.md')
    const env = { ...process.env, GITHUB_STEP_SUMMARY: summary, NO_COLOR: '1' }
    const table = spawnSync(node, [bin, 'report', input, ...outputs.flatMap((o) => ['-o', o])], { encoding: 'utf8', env })
    expect(table.status, table.stderr).toBe(1) // the planted report fails the gate
    const json = spawnSync(node, [bin, 'report', input, '--json'], { encoding: 'utf8', env })
    for (const [where, text] of [
      ['stdout', table.stdout + table.stderr],
      ['--json', json.stdout],
      ['step summary', readFileSync(summary, 'utf8')],
      ...outputs.map((o) => [o, readFileSync(o, 'utf8')]),
    ] as const) {
      expectClean(text, where)
      expect(text, where).toContain('db.internal:5432')
    }
  })

  it('a config error about a URL does not print its password', () => {
    const bad = join(dir, 'bad.yaml')
    writeFileSync(bad, `dependencies:\n  redis: "redis//:${SECRETS.redisPassword}@cache.internal"\n`)
    const run = spawnSync(node, ['-e', `import(${JSON.stringify(join(packageRoot(), 'dist/src/config/load.js'))}).then(m => m.loadConfig({ file: ${JSON.stringify(bad)} }))`], { encoding: 'utf8' })
    expect(run.status).not.toBe(0)
    expect(run.stderr).toContain('dependencies.redis')
    expectClean(run.stdout + run.stderr, 'config error')
  })
})
