import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface TestServer {
  url: string
  /** Requests the server has received. */
  received(): number
  close(): Promise<void>
}

/**
 * A node:http server with a fixed service time and at most `concurrency` requests in service at
 * once (the rest queue in arrival order): capacity = concurrency / delay. Infinity = no limit.
 */
export async function startDelayServer(delayMs: number, concurrency = Number.POSITIVE_INFINITY, body = '{"ok":true}'): Promise<TestServer> {
  let busy = 0
  let received = 0
  const queue: Array<() => void> = []
  const server: Server = createServer((req, res) => {
    received++
    req.resume()
    const serve = () => {
      busy++
      setTimeout(() => {
        res.setHeader('content-type', 'application/json')
        res.end(body)
        busy--
        queue.shift()?.()
      }, delayMs)
    }
    if (busy < concurrency) serve()
    else queue.push(serve)
  })
  server.keepAliveTimeout = 60_000
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    received: () => received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
