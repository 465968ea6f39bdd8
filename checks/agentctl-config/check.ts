import { z } from 'zod'
import { readFileSync } from 'node:fs'
import { relative } from 'node:path'
import type { Check, CheckContext, CheckOutcome } from '../../src/check.js'
import { readConfigSource } from '../../src/config/locate.js'
import { unusedProtocolKeys } from '../../src/config/schema.js'
import type { Problem } from '../manifest-support.js'

/** A problem with the config key it is about (the SARIF location). */
type ConfigProblem = Problem & { key: string }

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
function literalSecrets(raw: unknown): ConfigProblem[] {
  const problems: ConfigProblem[] = []
  for (const [path, env] of SECRET_KEYS) {
    const value = dig(raw, path)
    if (typeof value === 'string' && value && !value.includes('${')) {
      problems.push({ key: path.join('.'), level: 'fail', text: `${path.join('.')} is a literal secret in the file`, fix: `${path.join('.')}: \${${env}}  # and export ${env} in CI secrets` })
    }
  }
  for (const key of URL_KEYS) {
    const value = dig(raw, ['dependencies', key])
    const password = typeof value === 'string' ? /:\/\/[^\s:/@]*:([^\s@/]+)@/.exec(value)?.[1] : undefined
    if (password && !password.includes('${')) {
      problems.push({ key: `dependencies.${key}`, level: 'fail', text: `dependencies.${key} has a literal password in its URL`, fix: `dependencies.${key}: \${${key.toUpperCase()}_URL}  # the whole URL from the environment` })
    }
  }
  return problems
}

function configProblems(ctx: CheckContext): ConfigProblem[] {
  const { target, slo, faults } = ctx.config
  const problems: ConfigProblem[] = []
  let url: URL | undefined
  try {
    url = new URL(target.url)
  } catch {
    problems.push({ key: 'target.url', level: 'fail', text: `target.url "${target.url}" is not a URL`, fix: 'target.url: http://127.0.0.1:8080' })
  }
  if (url && !['http:', 'https:'].includes(url.protocol)) problems.push({ key: 'target.url', level: 'fail', text: `target.url uses ${url.protocol}; the agent is an HTTP service`, fix: 'target.url: https://agent.example.com' })
  if (url?.protocol === 'http:' && !LOOPBACK.test(url.hostname) && target.apiKey) {
    problems.push({ key: 'target.url', level: 'warn', text: `target.url is plain HTTP to ${url.hostname}: the API key crosses the network in clear`, fix: 'Use https:// for a remote target, or validate through a port-forward on loopback.' })
  }
  if (slo.p99Ms !== undefined && slo.p99Ms < slo.p95Ms) problems.push({ key: 'slo.p99Ms', level: 'fail', text: `slo.p99Ms (${slo.p99Ms}) is below slo.p95Ms (${slo.p95Ms})`, fix: 'slo.p99Ms must be at least slo.p95Ms' })
  if (slo.p95Ms < 100) problems.push({ key: 'slo.p95Ms', level: 'warn', text: `slo.p95Ms ${slo.p95Ms}ms is below any LLM round trip`, fix: 'slo.p95Ms: 5000  # LLM answers take seconds' })
  if (slo.errorRate > 0.1) problems.push({ key: 'slo.errorRate', level: 'warn', text: `slo.errorRate ${slo.errorRate} tolerates more than 10% failed requests`, fix: 'slo.errorRate: 0.01' })
  for (const { path, usedBy } of unusedProtocolKeys(target)) {
    problems.push({ key: path, level: 'warn', text: `${path} is set but only protocol ${usedBy} reads it (target.protocol is ${target.protocol}), so it is ignored`, fix: `remove ${path}, or set target.protocol: ${usedBy}` })
  }
  const mock = faults.mockLlm
  const targetPort = url ? Number(url.port || (url.protocol === 'https:' ? 443 : 80)) : undefined
  if (url && mock.port === targetPort && (mock.host === url.hostname || (LOOPBACK.test(mock.host) && LOOPBACK.test(url.hostname)))) {
    problems.push({ key: 'faults.mockLlm.port', level: 'fail', text: `faults.mockLlm (${mock.host}:${mock.port}) and target.url are the same address`, fix: 'faults.mockLlm.port: 4010  # the mock and the agent need their own ports' })
  }
  if (mock.port === 0 && !(ctx.options as ConfigOptions).self) problems.push({ key: 'faults.mockLlm.port', level: 'fail', text: 'faults.mockLlm.port is 0: the resilience checks cannot find the mock the agent talks to', fix: 'faults.mockLlm.port: 4010  # the port of `agentctl mock-llm`' })
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
    const source = file ? readConfigSource(file) : undefined
    const problems = [...configProblems(ctx), ...(source ? literalSecrets(source.raw) : [])]
    const evidence = { file: shown, target: ctx.config.target.url, slo: ctx.config.slo, mockLlm: ctx.config.faults.mockLlm, problems: problems.map((p) => `${p.level}: ${p.text}`) }
    if (problems.length === 0) return { status: 'pass', message: `${shown}: target, SLO, mock port and credentials look right`, evidence }
    const first = problems.find((p) => p.level === 'fail') ?? problems[0]!
    return {
      status: problems.some((p) => p.level === 'fail') ? 'fail' : 'warn',
      ...(source ? { location: source.locate(first.key) } : {}),
      message: `${shown}: ${problems.map((p) => p.text).join('; ')}`,
      evidence,
      remediation: `In ${shown}:\n${[...new Set(problems.map((p) => p.fix))].join('\n')}`,
    }
  },
}
