/**
 * Misbehaving servers on loopback for failure-mode tests: a port that refuses, a server that accepts
 * and never answers (blackhole), one that answers garbage (wrong protocol), a throwaway redis-server
 * (to stop, or to require a password), plain HTTP and TLS servers with short-lived certificates.
 * Every helper returns a `close()`; call it in afterAll/afterEach.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import tls from 'node:tls'

export interface FaultServer {
  port: number
  host: string
  close(): Promise<void>
}

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port))
  })
}

function closer(server: net.Server, sockets: Set<net.Socket>): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      for (const s of sockets) s.destroy()
      server.close(() => resolve())
    })
}

function track(server: net.Server): Set<net.Socket> {
  const sockets = new Set<net.Socket>()
  server.on('connection', (s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
    s.on('error', () => {})
  })
  return sockets
}

/** Accepts TCP connections and never sends a byte: a hung server or a blackholing middlebox. */
export async function startHangingServer(): Promise<FaultServer> {
  const server = net.createServer(() => {})
  const sockets = track(server)
  const port = await listen(server)
  return { port, host: '127.0.0.1', close: closer(server, sockets) }
}

/** Answers every connection (and every write) with bytes of the wrong protocol. */
export async function startGarbageServer(payload = 'HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n', opts: { greet?: boolean } = { greet: true }): Promise<FaultServer> {
  const server = net.createServer((socket) => {
    if (opts.greet) socket.write(payload)
    socket.on('data', () => socket.write(payload))
  })
  const sockets = track(server)
  const port = await listen(server)
  return { port, host: '127.0.0.1', close: closer(server, sockets) }
}

/** A port with nothing listening (connection refused). */
export async function closedPort(): Promise<number> {
  const server = net.createServer()
  const port = await listen(server)
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

export interface HttpFaultServer extends FaultServer {
  url: string
  requests: Array<{ method: string; url: string; headers: http.IncomingHttpHeaders }>
}

/** A plain node:http server (e.g. an agent, Prometheus or LLM stand-in; or "HTTP on the Redis port"). */
export async function startHttpServer(handler: http.RequestListener): Promise<HttpFaultServer> {
  const requests: HttpFaultServer['requests'] = []
  const server = http.createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers })
    handler(req, res)
  })
  const sockets = track(server)
  const port = await listen(server)
  return { port, host: '127.0.0.1', url: `http://127.0.0.1:${port}`, requests, close: closer(server, sockets) }
}

export interface RedisInstance extends FaultServer {
  url: string
  process: ChildProcess
  /** Stops the server (SIGTERM) and waits for it to exit; the port then refuses. */
  stop(): Promise<void>
}

/** A throwaway redis-server on a free port (never the shared 6379): to stop it, or to require a password. */
export async function startRedisServer(opts: { requirepass?: string } = {}): Promise<RedisInstance> {
  const port = await closedPort()
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', ...(opts.requirepass ? ['--requirepass', opts.requirepass] : [])]
  const child = spawn('redis-server', args, { stdio: 'ignore' })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.once('error', () => {})
  await waitForPort(port, 5000)
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
    await exited
  }
  const auth = opts.requirepass ? `:${opts.requirepass}@` : ''
  return { port, host: '127.0.0.1', url: `redis://${auth}127.0.0.1:${port}`, process: child, stop, close: stop }
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs
  while (Date.now() < until) {
    const open = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1')
      s.once('connect', () => {
        s.destroy()
        resolve(true)
      })
      s.once('error', () => resolve(false))
    })
    if (open) return
    await new Promise((r) => setTimeout(r, 25))
  }
  throw new Error(`nothing listened on 127.0.0.1:${port} within ${timeoutMs}ms (is redis-server installed?)`)
}

/**
 * A self-signed certificate for CN=localhost valid from `startDays` ago for `days` days (negative
 * `days` relative to now gives an expired one), made with the openssl CLI.
 */
export function makeCertificate(opts: { days: number; startDaysAgo?: number; cn?: string }): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'agentctl-cert-'))
  const cn = opts.cn ?? 'localhost'
  try {
    const start = new Date(Date.now() - (opts.startDaysAgo ?? 0) * 86_400_000)
    const end = new Date(start.getTime() + opts.days * 86_400_000)
    const fmt = (d: Date) => d.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z'
    // OpenSSL 3.0 `req -x509` cannot backdate; `ca -selfsign` takes explicit start and end dates.
    writeFileSync(join(dir, 'ca.cnf'), '[ca]\ndefault_ca=d\n[d]\ndatabase=index.txt\nnew_certs_dir=.\nserial=serial\ndefault_md=sha256\npolicy=p\ncopy_extensions=copy\nunique_subject=no\n[p]\ncommonName=supplied\n')
    writeFileSync(join(dir, 'index.txt'), '')
    writeFileSync(join(dir, 'serial'), '01\n')
    const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' })
    run(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'key.pem', '-out', 'req.csr', '-subj', `/CN=${cn}`, '-addext', `subjectAltName=DNS:${cn}`])
    run(['ca', '-config', 'ca.cnf', '-selfsign', '-keyfile', 'key.pem', '-in', 'req.csr', '-startdate', fmt(start), '-enddate', fmt(end), '-batch', '-notext', '-out', 'cert.pem'])
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** A TLS server presenting the given certificate; it completes the handshake and then stays silent. */
export async function startTlsServer(credentials: { key: string; cert: string }): Promise<FaultServer> {
  const server = tls.createServer(credentials, () => {})
  const sockets = track(server)
  server.on('tlsClientError', () => {})
  const port = await listen(server)
  return { port, host: '127.0.0.1', close: closer(server, sockets) }
}
