/**
 * The only place exit codes are defined (contract: docs/CONTRACTS.md "Exit codes").
 * 0: everything at or below the fail threshold
 * 1: the gate failed (a finding at or above --fail-on, or a load SLO threshold failed)
 * 2: usage, config or internal error
 * 130: interrupted by Ctrl-C where no verdict can be given (demo, load, a second Ctrl-C); the shell's 128+SIGINT
 */
export const ExitCode = {
  Ok: 0,
  GateFailed: 1,
  UsageOrInternal: 2,
  Interrupted: 130,
} as const

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode]

/** An error that carries its exit code; commands turn it into a message and that code. */
export class AgentctlError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode = ExitCode.UsageOrInternal,
    readonly hint?: string,
  ) {
    super(message)
    this.name = 'AgentctlError'
  }
}
