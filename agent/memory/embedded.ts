/**
 * The embedded default when DATABASE_URL is unset: PGlite (PostgreSQL compiled to WASM, data in
 * a directory) served over the PostgreSQL wire protocol on loopback by pglite-socket. The agent
 * then runs the very same `pg` code path as in production: no second storage implementation to
 * drift, and the data survives restarts.
 */
import { mkdirSync } from 'node:fs'
import { resolve } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { PGLiteSocketServer } from '@electric-sql/pglite-socket'

export interface EmbeddedPostgres {
  url: string
  dataDir: string
  close(): Promise<void>
}

/** pglite-socket queues queries; a transaction keeps the queue until it ends, so a small pool is safe. */
export const EMBEDDED_MAX_CONNECTIONS = 8

export async function startEmbeddedPostgres(dataDir: string): Promise<EmbeddedPostgres> {
  const dir = resolve(dataDir)
  mkdirSync(dir, { recursive: true })
  let db: PGlite
  try {
    db = await PGlite.create(dir)
  } catch (error) {
    throw new Error(`cannot open the embedded PostgreSQL data in ${dir} (is another agent using it?): ${(error as Error).message}`)
  }
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: EMBEDDED_MAX_CONNECTIONS })
  await server.start()
  return {
    url: `postgres://postgres@${server.getServerConn()}/postgres`,
    dataDir: dir,
    async close() {
      await server.stop()
      await db.close()
    },
  }
}
