import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { packageRoot } from '../../src/paths.js'

const root = packageRoot()
const bin = join(root, 'bin', 'run.js')

export function assertBuilt(): void {
  if (!existsSync(join(root, 'dist', 'commands', 'load.js'))) throw new Error('dist/ is missing: run `npx tsc -p .` (npm test does it in pretest)')
}

export interface CliRun {
  child: ChildProcess
  /** Resolves when the process exits. */
  done: Promise<{ code: number | null; stdout: string; stderr: string }>
}

/**
 * Spawns the built CLI asynchronously (test servers in this process must keep answering, which
 * spawnSync would prevent). The cwd is a temp dir so a stray ./agentctl.yaml is never read.
 */
export function agentctl(args: string[], opts: { cwd: string; env?: Record<string, string>; timeoutMs?: number }): CliRun {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...opts.env }
  delete env.GITHUB_STEP_SUMMARY
  const child = spawn(process.execPath, [bin, ...args], { cwd: opts.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (d: Buffer) => (stdout += d))
  child.stderr!.on('data', (d: Buffer) => (stderr += d))
  const killer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000)
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    child.on('close', (code) => {
      clearTimeout(killer)
      resolve({ code, stdout, stderr })
    })
  })
  return { child, done }
}
