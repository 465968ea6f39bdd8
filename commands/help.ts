import { Args, Command, loadHelpClass } from '@oclif/core'
import { closest } from '../src/config/load.js'
import { ExitCode } from '../src/exit-codes.js'

/**
 * `agentctl help [COMMAND]`: the same text as `agentctl COMMAND --help` (and `-h`), through the
 * configured help class, so the root help keeps its EXAMPLES section.
 */
export default class HelpCommand extends Command {
  static summary = 'Show help for agentctl or one of its commands'
  static examples = ['<%= config.bin %> help', '<%= config.bin %> help validate', '<%= config.bin %> help agent start']
  static args = { command: Args.string({ description: 'the command (words separated by spaces), e.g. validate or agent start', required: false }) }
  static strict = false

  async run(): Promise<void> {
    const { argv } = await this.parse(HelpCommand)
    const words = (argv as string[]).filter((w) => !w.startsWith('-'))
    const id = words.join(':')
    if (id && !this.config.findCommand(id) && !this.config.findTopic(id)) {
      const suggestion = closest(id, this.config.commands.filter((c) => !c.hidden).map((c) => c.id))
      const hint = suggestion ? `did you mean \`${this.config.bin} help ${suggestion.replaceAll(':', ' ')}\`?` : `run \`${this.config.bin} help\` for the list of commands`
      this.logToStderr(`agentctl: no command \`${words.join(' ')}\`\n  fix: ${hint}`)
      return this.exit(ExitCode.UsageOrInternal)
    }
    const Help = await loadHelpClass(this.config)
    await new Help(this.config, this.config.pjson.oclif.helpOptions ?? this.config.pjson.helpOptions).showHelp(argv as string[])
  }
}
