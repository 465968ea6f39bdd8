import { readFileSync } from 'node:fs'

/** The agent's secret-bearing variables that may instead name a file: `<NAME>_FILE=/path`. */
export const SECRET_FILE_VARS = ['DATABASE_URL', 'REDIS_URL', 'LLM_API_KEY', 'AGENT_API_KEYS'] as const

/**
 * Resolves `<NAME>_FILE` variables into `<NAME>`, reading the file (trailing newline trimmed).
 * Kubernetes can then mount Secrets as files instead of environment variables (CIS 5.4.1: env vars
 * leak into `kubectl describe`, crash dumps and child processes). A direct `<NAME>` wins, so local
 * runs are unchanged; a `_FILE` that cannot be read is an error naming the variable and the path,
 * never a silent fallback to "unset" (which would start the agent without auth or on PGlite).
 */
export function resolveSecretFiles(env: Record<string, string | undefined>, read: (path: string) => string = (p) => readFileSync(p, 'utf8')): Record<string, string | undefined> {
  const out = { ...env }
  for (const name of SECRET_FILE_VARS) {
    const path = env[`${name}_FILE`]?.trim()
    if (!path || env[name]?.trim()) continue
    let value: string
    try {
      value = read(path)
    } catch (error) {
      throw new Error(`${name}_FILE=${path} cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`)
    }
    out[name] = value.replace(/\r?\n$/, '')
  }
  return out
}
