#!/usr/bin/env node
// The agentctl entry point. oclif reads the compiled commands from dist/commands.
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

// Checked before anything else loads: on an older Node, undici 8 fails with an obscure TypeError.
const [major, minor] = process.versions.node.split('.').map(Number)
if (major < 22 || (major === 22 && minor < 19)) {
  process.stderr.write(
    `agentctl needs Node.js >= 22.19; this is ${process.version} (${process.execPath}).\n` +
      'hint: run it through npm/npx in the project (`npx agentctl ...`, `npm run demo`), which use the Node it installs, or install Node 22.19+\n',
  )
  process.exit(2)
}
const { execute } = await import('@oclif/core')

const root = fileURLToPath(new URL('..', import.meta.url))

// oclif.manifest.json (written by `npm run build`) spares oclif importing every command at start.
// One older than any compiled command (a plain `tsc` rebuild) could hide or misdescribe a command,
// so it is ignored then, and oclif discovers the commands itself: slower, never wrong.
function manifestIsFresh() {
  try {
    const manifestTime = statSync(join(root, 'oclif.manifest.json')).mtimeMs
    const commands = join(root, 'dist', 'commands')
    return readdirSync(commands, { recursive: true }).every((file) => !String(file).endsWith('.js') || statSync(join(commands, String(file))).mtimeMs <= manifestTime)
  } catch {
    return false
  }
}

await execute(manifestIsFresh() ? { dir: import.meta.url } : { dir: import.meta.url, loadOptions: { root, ignoreManifest: true } })
