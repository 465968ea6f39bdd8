import { lookup } from 'node:dns/promises'
import { isIP } from 'node:net'
import { AgentctlError, ExitCode } from '../exit-codes.js'

/** True for 127.0.0.0/8, ::1 and IPv4-mapped loopback (::ffff:127.x.x.x). */
export function isLoopbackAddress(address: string): boolean {
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address
  if (isIP(v4) === 4) return v4.split('.')[0] === '127'
  return address === '::1' || address === '0:0:0:0:0:0:0:1'
}

/**
 * Refuses to load a non-loopback target unless explicitly allowed. Runs BEFORE any traffic:
 * the hostname is resolved and every address must be loopback (a name that resolves to a public
 * address — or to both — is remote). Returns the addresses it checked, for the plan.
 */
export async function assertLoadAllowed(url: string, allowRemote: boolean): Promise<{ host: string; addresses: string[]; remote: boolean }> {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new AgentctlError(`invalid target URL "${url}"`, ExitCode.UsageOrInternal, 'use a URL such as http://127.0.0.1:8080')
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new AgentctlError(`unsupported target scheme "${parsed.protocol}"`, ExitCode.UsageOrInternal, 'load targets are http:// or https:// URLs')
  }
  const host = parsed.hostname.replace(/^\[|\]$/g, '')
  let addresses: string[]
  if (isIP(host)) addresses = [host]
  else {
    try {
      addresses = (await lookup(host, { all: true })).map((a) => a.address)
    } catch (error) {
      throw new AgentctlError(`cannot resolve the target host "${host}": ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, ExitCode.UsageOrInternal, 'check the hostname in --target or target.url')
    }
  }
  const remote = addresses.length === 0 || !addresses.every(isLoopbackAddress)
  if (remote && !allowRemote) {
    throw new AgentctlError(
      `refusing to load ${parsed.origin}: ${host} resolves to ${addresses.join(', ') || 'nothing'}, which is not loopback; no traffic was sent`,
      ExitCode.UsageOrInternal,
      'load tests can hurt shared or production systems: pass --allow-remote (or set target.allowLoad: true) once you are sure this target may take the load',
    )
  }
  return { host, addresses, remote }
}
