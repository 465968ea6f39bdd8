import { redact } from '../../src/redact.js'

/**
 * A live progress line on stderr for the long-running commands (validate, diagnose, load): one
 * line rewritten in place on a terminal, nothing at all in CI, pipes or --json runs, so logs and
 * machine-read output stay clean. stdout is never touched.
 */
export interface Progress {
  /** Replaces the live line (cut to the terminal width). */
  line(text: string): void
  /** Clears the live line; call before printing the report. */
  done(): void
}

export interface ProgressOptions {
  /** Usually `progressEnabled(...)`; when false every call is a no-op. */
  enabled: boolean
  stream?: NodeJS.WriteStream
}

/** TTY stderr, not CI, not --json, not explicitly silenced. */
export function progressEnabled(opts: { json?: boolean; stream?: NodeJS.WriteStream; env?: NodeJS.ProcessEnv } = {}): boolean {
  const stream = opts.stream ?? process.stderr
  const env = opts.env ?? process.env
  return Boolean(stream.isTTY) && !opts.json && !env.CI && env.AGENTCTL_PROGRESS !== '0'
}

export function createProgress({ enabled, stream = process.stderr }: ProgressOptions): Progress {
  if (!enabled) return { line() {}, done() {} }
  let shown = false
  const clear = '\r\u001b[2K'
  return {
    line(text: string) {
      const width = Math.max(20, (stream.columns ?? 80) - 1)
      const oneLine = redact(text).replace(/\s+/g, ' ')
      stream.write(clear + (oneLine.length > width ? `${oneLine.slice(0, width - 1)}…` : oneLine))
      shown = true
    },
    done() {
      if (shown) stream.write(clear)
      shown = false
    },
  }
}

/**
 * Whether to colour terminal output: never with NO_COLOR (https://no-color.org) or --no-color,
 * always with FORCE_COLOR (for CI log viewers that render ANSI), else only on a TTY.
 */
export function colorEnabled(opts: { noColorFlag?: boolean; stream?: NodeJS.WriteStream; env?: NodeJS.ProcessEnv } = {}): boolean {
  const env = opts.env ?? process.env
  if (opts.noColorFlag || (env.NO_COLOR !== undefined && env.NO_COLOR !== '')) return false
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '' && env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false') return true
  return Boolean((opts.stream ?? process.stdout).isTTY)
}
