import net from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { probeRedis } from './redis.js'

// A server that accepts TCP and never sends a byte (a hung server, or a plaintext port behind rediss://).
let hole: net.Server
let port: number
const sockets = new Set<net.Socket>()
beforeAll(async () => {
  hole = net.createServer((socket) => {
    sockets.add(socket)
    socket.on('error', () => {})
  })
  await new Promise<void>((resolve) => hole.listen(0, '127.0.0.1', resolve))
  port = (hole.address() as net.AddressInfo).port
})
afterAll(async () => {
  for (const s of sockets) s.destroy()
  await new Promise((resolve) => hole.close(resolve))
})

describe('probeRedis against a server that accepts and never answers', () => {
  // With TLS, ioredis's own 'connect' waits for the handshake: the probe must still see that TCP
  // connected, or the finding blames a firewall ("TCP connect did not complete") for a silent server.
  it.each(['redis', 'rediss'])('%s:// says the TCP connection was accepted, and times out', async (scheme) => {
    const result = await probeRedis(`${scheme}://127.0.0.1:${port}`, { timeoutMs: 400 })
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.error.kind).toBe('timeout')
    expect(result.connected).toBe(true)
  })
})
