/**
 * The last line of defence for "nothing hangs past its timeout": once a command has written its
 * report, the process must end. Every probe closes its own sockets (src/probes: ioredis's
 * disconnect() alone half-closes and waits for a FIN a hung server never sends), so normally the
 * event loop empties at once and this guard never fires. If a client library leaks a handle anyway,
 * the guard ends the process after a grace proportional to the command's --timeout, never a fixed
 * delay that could exceed a short timeout. Commands set `exitGuardMs = exitGraceMs(timeout)`; the
 * base command arms the guard once the run is over (docs/ARCHITECTURE.md "Exits and interrupts").
 */

/** Grace after the report: 10% of the timeout, at least 100 ms (a slow pipe), at most 1 s. */
export function exitGraceMs(timeoutMs: number): number {
  return Math.min(1000, Math.max(100, Math.round(timeoutMs * 0.1)))
}

/** Marker written to stderr under DEBUG when the guard has to fire: tests assert it never does. */
export const EXIT_GUARD_FIRED = 'exit guard fired'

/**
 * Arms an unref'd timer: it cannot keep the process alive, and it only fires if something else
 * does. process.exit() keeps process.exitCode (the verdict). Under DEBUG the leaked handle types
 * are named, so a regression shows which client left a socket open.
 */
export function armExitGuard(graceMs: number, env: NodeJS.ProcessEnv = process.env): NodeJS.Timeout {
  const timer = setTimeout(() => {
    if (env.DEBUG) {
      const open = process.getActiveResourcesInfo().filter((type) => type !== 'Timeout')
      process.stderr.write(`agentctl: ${EXIT_GUARD_FIRED} ${graceMs}ms after the report; still open: ${open.join(', ') || 'timers only'}\n`)
    }
    process.exit()
  }, graceMs)
  timer.unref()
  return timer
}
