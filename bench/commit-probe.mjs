// The machine's floor for the own-time target: forked by bench/agent.mjs, this process makes one
// durable one-row commit (autocommit INSERT, synchronous_commit as the server has it) every
// INTERVAL_MS on its own PostgreSQL connection, and reports their p50/p99. bench/agent.mjs runs it
// during the baseline server's own-time run: the same generator, mock and machine, with
// PostgreSQL serving only the probe (run beside the agent, its 50 commits a second would double
// the agent's ~50 statements a second and slow the figure being judged). An agent that stores a
// turn before answering waits for at least one such commit per chat, so its own-time p99 cannot
// be expected below this one's on that machine.
//
// Protocol (IPC): sends {ready: true} once connected; 'start' begins a measurement, 'stop' ends it
// and sends back {p50, p99, commits}, with `error` (and NaN figures) when a commit failed.
import pg from 'pg'

const INTERVAL_MS = 20

const client = new pg.Client({ connectionString: process.argv[2] })
await client.connect()
await client.query('CREATE TABLE IF NOT EXISTS commit_probe (id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now())')

let times = []
let running = false
let loop = Promise.resolve()
let failure

async function measure() {
  try {
    while (running) {
      const sent = performance.now()
      await client.query('INSERT INTO commit_probe DEFAULT VALUES')
      times.push(performance.now() - sent)
      await new Promise((resolve) => setTimeout(resolve, INTERVAL_MS))
    }
  } catch (error) {
    // Reported on 'stop': a figure from the commits before a failure would not be the floor.
    failure = error.message
  }
}

process.on('message', async (command) => {
  if (command === 'start') {
    times = []
    failure = undefined
    running = true
    loop = measure()
  } else if (command === 'stop') {
    running = false
    await loop
    const sorted = failure ? [] : [...times].sort((a, b) => a - b)
    const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? NaN
    process.send({ p50: at(0.5), p99: at(0.99), commits: sorted.length, error: failure })
  }
})
process.on('disconnect', () => void client.end().finally(() => process.exit(0)))
process.send({ ready: true })
