import { z } from 'zod'
import { readFileSync } from 'node:fs'
import { relative } from 'node:path'
import { parse } from 'yaml'
import type { Check, CheckContext, CheckOutcome } from '../../src/check.js'
import type { Problem } from '../manifest-support.js'

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/i
/** Config keys that hold credentials, with the env variable to use instead. */
const SECRET_KEYS: Array<[path: string[], env: string]> = [
  [['target', 'apiKey'], 'AGENT_API_KEY'],
  [['dependencies', 'llm', 'apiKey'], 'LLM_API_KEY'],
]
const URL_KEYS = ['redis', 'postgres', 'nats', 'prometheus']

function dig(obj: unknown, path: string[]): unknown {
  return path.reduce<unknown>((node, key) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), obj)
}

/** Literal credentials in the file itself (before ${ENV} interpolation): they end up in git. */
function literalSecrets(file: string): Problem[] {
  let raw: unknown
  try {
    raw = parse(readFileSync(file, 'utf8'))
  } catch {
    return [] // the loader already parsed it; unreadable now means it changed under us
  }
  const problems: Problem[] = []
  for (const [path, env] of SECRET_KEYS) {
    const value = dig(raw, path)
    if (typeof value === 'string' && value && !value.includes('${')) {
      problems.push({ level: 'fail', text: `${path.join('.')} is a literal secret in the file`, fix: `${path.join('.')}: \${${env}}  # and export ${env} in CI secrets` })
    }
  }
  for (const key of URL_KEYS) {
    const value = dig(raw, ['dependencies', key])
    const password = typeof value === 'string' ? /:\/\/[^\s:/@]*:([^\s@/]+)@/.exec(value)?.[1] : undefined
    if (password && !password.includes('${')) {
      problems.push({ level: 'fail', text: `dependencies.${key} has a literal password in its URL`, fix: `dependencies.${key}: \${${key.toUpperCase()}_URL}  # the whole URL from the environment` })
    }
  }
  return problems
}

function configProblems(ctx: CheckContext): Problem[] {
  const { target, slo, faults } = ctx.config
  const problems: Problem[] = []
  let url: URL | undefined
  try {
    url = new URL(target.url)
  } catch {
    problems.push({ level: 'fail', text: `target.url "${target.url}" is not a URL`, fix: 'target.url: http://127.0.0.1:8080' })
  }
  if (url && !['http:', 'https:'].includes(url.protocol)) problems.push({ level: 'fail', text: `target.url uses ${url.protocol}; the agent is an HTTP service`, fix: 'target.url: https://agent.example.com' })
  if (url?.protocol === 'http:' && !LOOPBACK.test(url.hostname) && target.apiKey) {
    problems.push({ level: 'warn', text: `target.url is plain HTTP to ${url.hostname}: the API key crosses the network in clear`, fix: 'Use https:// for a remote target, or validate through a port-forward on loopback.' })
  }
  if (slo.p99Ms !== undefined && slo.p99Ms < slo.p95Ms) problems.push({ level: 'fail', text: `slo.p99Ms (${slo.p99Ms}) is below slo.p95Ms (${slo.p95Ms})`, fix: 'slo.p99Ms must be at least slo.p95Ms' })
  if (slo.p95Ms < 100) problems.push({ level: 'warn', text: `slo.p95Ms ${slo.p95Ms}ms is below any LLM round trip`, fix: 'slo.p95Ms: 5000  # LLM answers take seconds' })
  if (slo.errorRate > 0.1) problems.push({ level: 'warn', text: `slo.errorRate ${slo.errorRate} tolerates more than 10% failed requests`, fix: 'slo.errorRate: 0.01' })
  const mock = faults.mockLlm
  const targetPort = url ? Number(url.port || (url.protocol === 'https:' ? 443 : 80)) : undefined
  if (url && mock.port === targetPort && (mock.host === url.hostname || (LOOPBACK.test(mock.host) && LOOPBACK.test(url.hostname)))) {
    problems.push({ level: 'fail', text: `faults.mockLlm (${mock.host}:${mock.port}) and target.url are the same address`, fix: 'faults.mockLlm.port: 4010  # the mock and the agent need their own ports' })
  }
  if (mock.port === 0 && !(ctx.options as ConfigOptions).self) problems.push({ level: 'fail', text: 'faults.mockLlm.port is 0: the resilience checks cannot find the mock the agent talks to', fix: 'faults.mockLlm.port: 4010  # the port of `agentctl mock-llm`' })
  return problems
}

/** The config file validate loaded (absent: an in-memory config), and whether --self supplies the agent and mock. */
const configOptions = z.strictObject({ configFile: z.string().optional(), self: z.boolean().default(false) })
type ConfigOptions = z.output<typeof configOptions>

export const agentctlConfigCheck: Check = {
  id: 'agentctl-config',
  category: 'config',
  title: 'agentctl configuration makes sense',
  description: 'The loaded agentctl.yaml: a usable target URL, a sane SLO, a mock LLM port distinct from the agent, and credentials from ${ENV} rather than literals.',
  appliesTo: ['validate'],
  severity: 'fail',
  options: configOptions,
  run: async (ctx): Promise<CheckOutcome> => {
    const file = (ctx.options as ConfigOptions).configFile
    const shown = file ? relative(process.cwd(), file) || file : 'built-in defaults'
    const problems = [...configProblems(ctx), ...(file ? literalSecrets(file) : [])]
    const evidence = { file: shown, target: ctx.config.target.url, slo: ctx.config.slo, mockLlm: ctx.config.faults.mockLlm, problems: problems.map((p) => `${p.level}: ${p.text}`) }
    if (problems.length === 0) return { status: 'pass', message: `${shown}: target, SLO, mock port and credentials look right`, evidence }
    return {
      status: problems.some((p) => p.level === 'fail') ? 'fail' : 'warn',
      message: `${shown}: ${problems.map((p) => p.text).join('; ')}`,
      evidence,
      remediation: `In ${shown}:\n${[...new Set(problems.map((p) => p.fix))].join('\n')}`,
    }
  },
}
