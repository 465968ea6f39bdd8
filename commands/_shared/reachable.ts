import { AgentctlError, ExitCode } from '../../src/exit-codes.js'
import { classifyNetError, type NetErrorKind } from '../../src/probes/errors.js'

/**
 * Fails fast (exit 2) when nothing answers at `url`: one GET before any traffic, where the
 * alternative is a run of identical failures (validate: N error findings; load: 30 s of sends
 * against a closed port, 324 154 of them in one trial). Any HTTP answer, whatever its status,
 * means something listens; only a transport failure (refused, DNS, unreachable, TLS, timeout) stops
 * the run, named by src/probes/errors.ts. `failOn` narrows that: a load test judges a hung or
 * resetting agent itself (its timeouts are the verdict), and stops only where nothing listens.
 */
export async function requireReachable(url: string, timeoutMs: number, fix: string, failOn?: NetErrorKind[]): Promise<void> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' })
    await res.body?.cancel()
  } catch (error) {
    const { kind, code, summary, detail } = classifyNetError(error)
    if (failOn && !failOn.includes(kind)) return
    // fetch's own refusals (a port it will not use, such as 9) have no code: say what it said.
    const cause = kind === 'unknown' ? detail : `${code ? `${code}: ` : ''}${summary}`
    throw new AgentctlError(`no agent answers at ${url} (${cause})`, ExitCode.UsageOrInternal, fix)
  }
}
