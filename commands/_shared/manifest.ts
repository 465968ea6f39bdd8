/**
 * Writes oclif.manifest.json (run by `npm run build` after tsc). With it, oclif lists commands and
 * prints help from the manifest instead of importing every command module at each start, which
 * keeps `agentctl --version` and `--help` near the cost of loading @oclif/core alone. bin/run.js
 * ignores a manifest older than the compiled commands, so a plain `tsc` rebuild is never stale.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { Plugin } from '@oclif/core'
import { packageRoot } from '../../src/paths.js'

export const MANIFEST_FILE = 'oclif.manifest.json'

export async function buildManifest(root = packageRoot()): Promise<unknown> {
  // The same options `oclif manifest` uses: import every command, fail on one that cannot load.
  const plugin = new Plugin({ root, type: 'core', isRoot: true, ignoreManifest: true, errorOnManifestCreate: true, respectNoCacheDefault: true })
  await plugin.load()
  return plugin.manifest
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const root = packageRoot()
  const manifest = (await buildManifest(root)) as { commands: Record<string, unknown> }
  writeFileSync(join(root, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n')
  console.log(`wrote ${MANIFEST_FILE} (${Object.keys(manifest.commands).length} commands)`)
}
