import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The name to install (`agentctl` on npm is someone else's); the command is still `agentctl`. */
export const PACKAGE_NAME = 'agentctl-cli'

let root: string | undefined

/** The package root, whether running from source (vitest) or from dist/ (the CLI). */
export function packageRoot(): string {
  if (root) return root
  let dir = dirname(fileURLToPath(import.meta.url))
  while (!existsSync(join(dir, 'package.json')) || dir.endsWith('/dist')) {
    const up = dirname(dir)
    if (up === dir) throw new Error('agentctl package root not found')
    dir = up
  }
  root = dir
  return dir
}

/** A path inside the shipped fixtures/ folder. */
export function fixturePath(...parts: string[]): string {
  return join(packageRoot(), 'fixtures', ...parts)
}
