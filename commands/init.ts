import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { dirname, isAbsolute, join, relative, resolve } from 'node:path'
import { Flags } from '@oclif/core'
import { DEFAULT_CONFIG_FILE } from '../src/config/load.js'
import { AgentctlError, ExitCode } from '../src/exit-codes.js'
import { packageRoot } from '../src/paths.js'
import { ReportingCommand } from './_shared/base.js'
import { starterConfig } from './_shared/starter-config.js'

export default class Init extends ReportingCommand {
  static summary = 'Write a commented starter agentctl.yaml'
  static description =
    'Writes a starter config with every section and a comment on each key, ${ENV} examples, and a yaml-language-server line pointing at the shipped JSON Schema so editors complete and check keys. The file loads as written. An existing file is left alone unless you pass --force.'
  static examples = [
    '<%= config.bin %> init',
    '<%= config.bin %> init --path deploy/agentctl.yaml',
    '<%= config.bin %> init --force',
    '<%= config.bin %> init --protocol a2a --target http://127.0.0.1:41241',
  ]
  static flags = {
    path: Flags.string({ description: 'where to write the config', default: DEFAULT_CONFIG_FILE }),
    force: Flags.boolean({ description: 'overwrite an existing file' }),
    protocol: Flags.string({ options: ['agentctl', 'openai-chat', 'a2a', 'ai-sdk', 'http'], description: "the agent's chat wire format; the target section gets that protocol's keys" }),
    target: Flags.string({ description: 'the agent base URL to write into target.url' }),
  }

  async run(): Promise<{ path: string; overwritten: boolean; schema: string }> {
    const { flags } = await this.parse(Init)
    const file = resolve(flags.path)
    if (flags.target !== undefined && !/^https?:\/\/\S+$/i.test(flags.target)) {
      throw new AgentctlError(`--target must be an http(s) URL, got "${flags.target}"`, ExitCode.UsageOrInternal, 'e.g. --target http://127.0.0.1:8080')
    }
    const exists = existsSync(file)
    if (exists && !flags.force) {
      throw new AgentctlError(`${flags.path} already exists; not overwriting it`, ExitCode.UsageOrInternal, 'pass --force to replace it, or --path to write somewhere else')
    }
    const schema = schemaReference(dirname(file))
    try {
      mkdirSync(dirname(file), { recursive: true })
      writeFileSync(file, starterConfig(schema, { protocol: flags.protocol, target: flags.target }))
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message
      throw new AgentctlError(`cannot write ${flags.path}: ${reason}`, ExitCode.UsageOrInternal, 'check that the directory is writable')
    }
    if (!this.jsonEnabled()) {
      this.log(`${exists ? 'overwrote' : 'wrote'} ${flags.path}`)
      this.log(`next: edit it, then run \`${this.config.bin} validate${flags.path === DEFAULT_CONFIG_FILE ? '' : ` -c ${flags.path}`}\``)
    }
    return { path: file, overwritten: exists, schema }
  }
}

/** The shipped schema: relative when it sits below the config (node_modules/agentctl/...), else absolute. */
function schemaReference(configDir: string): string {
  const schema = join(packageRoot(), 'schemas', 'agentctl.schema.json')
  const rel = relative(configDir, schema)
  return rel && !isAbsolute(rel) && !rel.startsWith('..') ? rel : schema
}
