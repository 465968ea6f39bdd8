import { redact } from '../redact.js'

const DEFAULT_PORTS: Record<string, number> = {
  'http:': 80,
  'https:': 443,
  'redis:': 6379,
  'rediss:': 6379,
  'postgres:': 5432,
  'postgresql:': 5432,
  'nats:': 4222,
  'tls:': 4222,
  'ws:': 80,
  'wss:': 443,
}

export interface Endpoint {
  url: URL
  host: string
  port: number
  /** host:port, safe to print. */
  hostPort: string
  /** The URL with any password masked, safe to print. */
  display: string
}

/** Parses a dependency URL; returns undefined when it is not a URL (config validation normally prevents that). */
export function parseEndpoint(raw: string): Endpoint | undefined {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return undefined
  }
  // URL keeps IPv6 hosts in brackets; sockets want them bare.
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1'
  const port = url.port ? Number(url.port) : (DEFAULT_PORTS[url.protocol] ?? 0)
  const hostPort = `${url.hostname || host}:${port}`
  return { url, host, port, hostPort, display: displayUrl(raw) }
}

/** A URL for evidence and messages: password and secret query parameters masked, then redact(). */
export function displayUrl(raw: string): string {
  try {
    const url = new URL(raw)
    if (url.password) url.password = '***'
    for (const key of [...url.searchParams.keys()]) if (/pass|secret|token|key/i.test(key)) url.searchParams.set(key, '***')
    return redact(url.toString())
  } catch {
    return redact(raw)
  }
}

/** Quotes a value for a shell command line shown as remediation. */
export function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`
}
