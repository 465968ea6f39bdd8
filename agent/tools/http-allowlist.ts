/**
 * The http_get host allowlist (HTTP_GET_ALLOWLIST) and the address guard behind it.
 *
 * Grammar, one entry per comma:
 *   host            that host on the scheme's default port only (http 80, https 443)
 *   host:port       that host on exactly that port (either scheme)
 *   *.domain[:port] any subdomain of domain (not domain itself), same port rule
 *   [v6addr][:port] an IPv6 address, same port rule
 * Hosts are compared in the URL parser's canonical form, so `2130706433`, `0x7f.1` and
 * `127.0.0.1` are one host, and `[::ffff:127.0.0.1]` is `[::ffff:7f00:1]`. Case and a trailing dot
 * are ignored. A port is never implied: a redirect from an allowed page to another port of the same
 * host is refused unless that exact host:port is listed.
 *
 * Names (not IP literals) are resolved when the tool connects, and a name that resolves to a
 * loopback, private, link-local or otherwise non-public address is refused: an allowlisted name
 * must not become a way into the agent's own network (DNS rebinding, `localhost`). To reach such
 * an address on purpose, list the address itself (`127.0.0.1:8080`).
 */
import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions } from 'node:dns'
import { BlockList, isIP } from 'node:net'

export interface AllowlistEntry {
  /** Canonical hostname (IPv6 in brackets, as URL.hostname has it); for a wildcard, the domain. */
  host: string
  wildcard: boolean
  /** Undefined: the scheme's default port only. */
  port?: number
}

const ENTRY = /^(\*\.)?(\[[0-9a-f:.]+\]|[^:/?#@[\]\s*]+)(?::(\d{1,5}))?$/i
const DEFAULT_PORT: Record<string, number> = { 'http:': 80, 'https:': 443 }

export class AllowlistSyntaxError extends Error {}

/** Parses HTTP_GET_ALLOWLIST entries; an entry outside the grammar throws, naming it and the fix. */
export function parseAllowlist(entries: readonly string[]): AllowlistEntry[] {
  return entries.map((raw) => {
    const entry = raw.trim().toLowerCase()
    const match = ENTRY.exec(entry)
    const port = match?.[3] === undefined ? undefined : Number(match[3])
    let host: string | undefined
    try {
      if (match) host = new URL(`http://${match[2]!.replace(/\.$/, '')}`).hostname
    } catch {
      host = undefined
    }
    if (!match || !host || (port !== undefined && (port < 1 || port > 65535))) {
      throw new AllowlistSyntaxError(
        `"${raw}" is not a host allowlist entry: write host, host:port, *.domain or [ipv6]:port (no scheme or path), e.g. api.example.com or 127.0.0.1:8080`,
      )
    }
    return { host, wildcard: Boolean(match[1]), port }
  })
}

/** The port a URL connects to: its explicit port, else its scheme's default. */
export function effectivePort(url: URL): number {
  return url.port ? Number(url.port) : (DEFAULT_PORT[url.protocol] ?? 0)
}

/** True when the URL's host and port are allowed by one entry (see the grammar above). */
export function hostAllowed(url: URL, allowlist: readonly AllowlistEntry[]): boolean {
  const hostname = url.hostname.toLowerCase().replace(/\.$/, '')
  const port = effectivePort(url)
  return allowlist.some((entry) => {
    const portOk = entry.port === undefined ? port === DEFAULT_PORT[url.protocol] : port === entry.port
    if (!portOk) return false
    if (entry.wildcard) return hostname.endsWith(`.${entry.host}`)
    return hostname === entry.host
  })
}

/** How the allowlist reads in messages: the entries as configured. */
export function describeAllowlist(allowlist: readonly AllowlistEntry[]): string {
  return allowlist.map((e) => `${e.wildcard ? '*.' : ''}${e.host}${e.port === undefined ? '' : `:${e.port}`}`).join(', ')
}

const nonPublic = new BlockList()
for (const [net, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) nonPublic.addSubnet(net, prefix, 'ipv4')
for (const [net, prefix] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['64:ff9b::', 96]] as const) nonPublic.addSubnet(net, prefix, 'ipv6')

/** True for loopback, private, link-local, CGNAT, multicast and unspecified addresses (IPv4-mapped too). */
export function isNonPublicAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)
  if (mapped) return nonPublic.check(mapped[1]!, 'ipv4')
  const family = isIP(address)
  return family === 4 ? nonPublic.check(address, 'ipv4') : family === 6 ? nonPublic.check(address, 'ipv6') : true
}

export class NonPublicAddressError extends Error {
  readonly code = 'ENONPUBLIC'
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void

/**
 * A `lookup` for net/tls connect: resolves the name, and fails the connection when any address
 * is non-public. Checking the addresses actually connected to (not a lookup made beforehand)
 * leaves no window for a DNS answer that changes between the check and the connect.
 */
export function publicOnlyLookup(hostname: string, options: LookupAllOptions | number | undefined, callback: LookupCallback): void {
  const opts: Partial<LookupAllOptions> & { all?: boolean } = typeof options === 'object' ? options : {}
  dnsLookup(hostname, { ...opts, all: true }, (err, addresses) => {
    if (err) return callback(err, '')
    const blocked = addresses.find((a) => isNonPublicAddress(a.address))
    if (blocked) {
      return callback(
        new NonPublicAddressError(
          `${hostname} resolves to ${blocked.address}, a loopback or private address; http_get reaches those only when the allowlist names the address itself`,
        ),
        '',
      )
    }
    if (opts.all) return callback(null, addresses)
    callback(null, addresses[0]!.address, addresses[0]!.family)
  })
}
