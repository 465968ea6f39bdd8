/**
 * Root help (`agentctl --help`) with an EXAMPLES section: the three jobs and the everyday commands,
 * so a new user sees how agentctl is meant to be used before reading each command's help.
 * Registered as oclif's helpClass in package.json.
 */
import { Help } from '@oclif/core'

const ROOT_EXAMPLES: Array<[string, string]> = [
  ['Write a commented starter config', 'agentctl init'],
  ['CI deploy gate with JUnit and HTML evidence', 'agentctl validate -o junit.xml -o report.html'],
  ['Incident triage, connectivity only, 2 s per check', 'agentctl diagnose --only connectivity --timeout 2s'],
  ['Capacity and cost of one replica inside the SLO', 'agentctl load -o load.html'],
  ['Re-render a saved report', 'agentctl report report.json -o report.html'],
  ['Every check: id, category, what it judges', 'agentctl checks'],
  ['SARIF for code scanning', 'agentctl validate -o agentctl.sarif'],
  ['Shell completion', 'agentctl autocomplete'],
]

export default class AgentctlHelp extends Help {
  protected async showRootHelp(): Promise<void> {
    await super.showRootHelp()
    const body = ROOT_EXAMPLES.map(([what, command]) => `${what}:\n  $ ${command.replace(/^agentctl/, this.config.bin)}`).join('\n\n')
    this.log(this.section('EXAMPLES', body))
    this.log('')
  }
}
