// The machine's floor for the own-time target: forked by bench/agent.mjs, this process makes one
// durable one-row commit (autocommit INSERT, synchronous_commit as the server has it) every
// INTERVAL_MS on its own PostgreSQL connection while the agent is under the own-time load, and
// reports their p50/p99. An agent that stores a turn before answering waits for at least one such
// commit per chat, so its own-time p99 cannot go below this one's on the same machine at the same
// time. 50 commits a second: few beside the agent's, so the probe barely loads what it measures.
//
// Protocol (IPC): sends {ready: true} once connected; 'start' begins a measurement, 'stop' ends it
// and sends back {p50, p99, commits}.
import pg from 'pg'

const INTERVAL_MS = 20

const client = new pg.Client({ connectionString: process.argv[2] })
await client.connect()
await client.query('CREATE TABLE IF NOT EXISTS commit_probe (id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now())')

let times = []
let running = false
let loop = Promise.resolve()

async function measure() {
  while (running) {
    const sent = performance.now()
    await client.query('INSERT INTO commit_probe DEFAULT VALUES')
    times.push(performance.now() - sent)
    await new Promise((resolve) => setTimeout(resolve, INTERVAL_MS))
  }
}

process.on('message', async (command) => {
  if (command === 'start') {
    times = []
    running = true
    loop = measure()
  } else if (command === 'stop') {
    running = false
    await loop
    const sorted = [...times].sort((a, b) => a - b)
    const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? NaN
    process.send({ p50: at(0.5), p99: at(0.99), commits: sorted.length })
  }
})
process.on('disconnect', () => void client.end().finally(() => process.exit(0)))
process.send({ ready: true })
