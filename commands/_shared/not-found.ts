/**
 * `agentctl valdate`: did you mean `agentctl validate`? Registered as the command_not_found hook
 * (package.json oclif.hooks). At a terminal it hands over to @oclif/plugin-not-found, which asks
 * "Did you mean validate?" and runs it on yes; in CI and pipes (no TTY) that plugin prints no
 * suggestion at all, so the suggestion is printed here. Either way a command that does not exist
 * is a usage error: exit 2 (src/exit-codes.ts), with ids shown with the space separator.
 */
import { type Hook, toConfiguredId } from '@oclif/core'
import askDidYouMean from '@oclif/plugin-not-found'
import { closest } from '../../src/config/load.js'
import { ExitCode } from '../../src/exit-codes.js'

const hook: Hook.CommandNotFound = async function (opts) {
  const { config } = opts
  const typed = toConfiguredId(opts.id, config)
  const visible = config.commands.filter((c) => !c.hidden).flatMap((c) => [c.id, ...c.aliases])
  const suggestion = closest(opts.id, visible)
  const topic = config.findTopic(opts.id.split(':')[0]!) ? ` ${opts.id.split(':')[0]}` : ''
  const listHint = `run \`${config.bin} help${topic}\` for the list of commands`
  if (process.stdin.isTTY && process.stderr.isTTY && suggestion) {
    try {
      // The plugin bundles its own @oclif/core; the hook context is the same object at run time.
      return await askDidYouMean.call(this as never, opts as never)
    } catch {
      // Declined (or timed out): the plugin has said it is not a command; keep our exit code.
      return this.exit(ExitCode.UsageOrInternal)
    }
  }
  const didYouMean = suggestion ? `did you mean \`${config.bin} ${toConfiguredId(suggestion, config)}\`? ` : ''
  process.stderr.write(`agentctl: \`${config.bin} ${typed}\` is not a command; ${didYouMean}${listHint}\n`)
  return this.exit(ExitCode.UsageOrInternal)
}

export default hook
