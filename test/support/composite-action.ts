/**
 * Runs a composite action's `run:` steps locally the way the GitHub runner does: each step's
 * `${{ }}` expressions resolved from the inputs (defaults from action.yml), the step outputs so far
 * and the github/runner contexts; then `bash --noprofile --norc -eo pipefail` on the script (the
 * runner's `shell: bash`) with GITHUB_OUTPUT, GITHUB_STEP_SUMMARY and GITHUB_ACTION_PATH set. A
 * failed step skips the later steps unless their `if:` says always(). `uses:` steps cannot run
 * here: they are skipped with a note, their `with:` resolved so a test can check what they would
 * get. An expression this does not understand throws: the test must not pass on a guess.
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'

interface Step {
  id?: string
  name?: string
  if?: string
  shell?: string
  run?: string
  uses?: string
  env?: Record<string, string>
  with?: Record<string, string>
  'continue-on-error'?: boolean
}

export interface ActionRun {
  /** The action's result: the first failed step's exit code (continue-on-error aside), else 0. */
  exitCode: number
  steps: Array<{ name: string; status: 'ran' | 'failed' | 'skipped' | 'not run (uses)'; exitCode?: number; stdout?: string; stderr?: string; with?: Record<string, string> }>
  outputs: Record<string, Record<string, string>>
  notes: string[]
}

export function runCompositeAction(opts: { actionDir: string; workspace: string; inputs: Record<string, string>; env?: NodeJS.ProcessEnv; tempDir: string }): ActionRun {
  const action = parse(readFileSync(join(opts.actionDir, 'action.yml'), 'utf8')) as { inputs: Record<string, { default?: string }>; runs: { using: string; steps: Step[] } }
  if (action.runs.using !== 'composite') throw new Error(`not a composite action: ${action.runs.using}`)
  for (const name of Object.keys(opts.inputs)) if (!(name in action.inputs)) throw new Error(`input "${name}" is not declared in action.yml`)
  const inputs = Object.fromEntries(Object.entries(action.inputs).map(([name, spec]) => [name, opts.inputs[name] ?? String(spec.default ?? '')]))
  const summary = join(opts.tempDir, 'step-summary.md')
  const contexts = {
    inputs,
    github: { action_path: opts.actionDir, workspace: opts.workspace, job: 'test' },
    runner: { temp: opts.tempDir, os: 'Linux' },
    steps: {} as Record<string, { outputs: Record<string, string>; outcome?: string }>,
  }
  const result: ActionRun = { exitCode: 0, steps: [], outputs: {}, notes: [] }
  let failed = false
  action.runs.steps.forEach((step, index) => {
    const name = step.name ? interpolate(step.name, contexts) : step.uses ?? step.id ?? `step ${index}`
    const condition = step.if ?? 'success()'
    if (!evaluateIf(condition, contexts, failed)) return result.steps.push({ name, status: 'skipped' })
    if (step.uses) {
      const resolved = Object.fromEntries(Object.entries(step.with ?? {}).map(([k, v]) => [k, interpolate(String(v), contexts)]))
      result.notes.push(`skipped \`uses: ${step.uses}\` (${name}): a runner fetches and runs it; with ${JSON.stringify(resolved)}`)
      return result.steps.push({ name, status: 'not run (uses)', with: resolved })
    }
    if (step.shell !== 'bash') throw new Error(`step "${name}": only shell: bash is emulated`)
    const outputFile = join(opts.tempDir, `output-${index}.txt`)
    writeFileSync(outputFile, '')
    const script = join(opts.tempDir, `step-${index}.sh`)
    writeFileSync(script, step.run ?? '')
    const stepEnv = Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, interpolate(String(v), contexts)]))
    mkdirSync(opts.workspace, { recursive: true })
    const run = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], {
      cwd: opts.workspace,
      encoding: 'utf8',
      timeout: 540_000,
      env: { ...opts.env, GITHUB_ACTIONS: 'true', CI: 'true', GITHUB_ACTION_PATH: opts.actionDir, GITHUB_WORKSPACE: opts.workspace, RUNNER_TEMP: opts.tempDir, GITHUB_OUTPUT: outputFile, GITHUB_STEP_SUMMARY: summary, ...stepEnv },
    })
    const outputs = parseOutputs(readFileSync(outputFile, 'utf8'))
    const exitCode = run.status ?? 1
    if (step.id) contexts.steps[step.id] = { outputs, outcome: exitCode === 0 ? 'success' : 'failure' }
    if (step.id) result.outputs[step.id] = outputs
    result.steps.push({ name, status: exitCode === 0 ? 'ran' : 'failed', exitCode, stdout: run.stdout, stderr: run.stderr })
    if (exitCode !== 0 && !step['continue-on-error'] && !failed) {
      failed = true
      result.exitCode = exitCode
    }
  })
  return result
}

/** `name=value` lines and `name<<DELIM` blocks, as the runner reads $GITHUB_OUTPUT. */
function parseOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const heredoc = /^([^=<]+)<<(.+)$/.exec(lines[i]!)
    if (heredoc) {
      const end = lines.indexOf(heredoc[2]!, i + 1)
      outputs[heredoc[1]!] = lines.slice(i + 1, end).join('\n')
      i = end
    } else if (lines[i]!.includes('=')) outputs[lines[i]!.slice(0, lines[i]!.indexOf('='))] = lines[i]!.slice(lines[i]!.indexOf('=') + 1)
  }
  return outputs
}

function lookup(path: string, contexts: object): string {
  const value = path.split('.').reduce<unknown>((node, key) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), contexts)
  // A step that did not run has no outputs: the runner gives ''. Anything else unknown is a bug.
  if (value === undefined && /^steps\.[\w-]+\.outputs\./.test(path)) return ''
  if (typeof value !== 'string') throw new Error(`expression \`${path}\` is not known to the emulation`)
  return value
}

function interpolate(text: string, contexts: object): string {
  return text.replace(/\$\{\{\s*([\w.-]+)\s*\}\}/g, (_, path: string) => lookup(path, contexts)).replace(/\$\{\{[^}]*\}\}/g, (m) => {
    throw new Error(`expression ${m} is not supported by the emulation`)
  })
}

/** `if:` with always(), success(), and `&&` of `path == 'literal'` / `path != 'literal'`. */
function evaluateIf(condition: string, contexts: object, failed: boolean): boolean {
  const expr = condition.replace(/^\$\{\{|\}\}$/g, '').trim()
  const terms = expr.split('&&').map((t) => t.trim())
  const hasStatus = terms.some((t) => /^(always|success|failure)\(\)$/.test(t))
  return (
    (hasStatus || !failed) &&
    terms.every((term) => {
      if (term === 'always()') return true
      if (term === 'success()') return !failed
      if (term === 'failure()') return failed
      const cmp = /^([\w.-]+)\s*(==|!=)\s*'([^']*)'$/.exec(term)
      if (!cmp) throw new Error(`if: term \`${term}\` is not supported by the emulation`)
      const value = lookup(cmp[1]!, contexts)
      return cmp[2] === '==' ? value === cmp[3] : value !== cmp[3]
    })
  )
}

