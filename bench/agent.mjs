// The reference agent under load, on real PostgreSQL + Redis, against the mock LLM.
// Run: npx tsc -p . && npx node bench/agent.mjs [--duration 10]
//
// Every chat is one tool call then an answer: 2 LLM calls. Three runs:
//   1. zero-latency mock, 50 connections: the agent's own throughput and latency (req/s, p50/p99);
//   2. 250 ms mock, 200 connections: achieved req/s against Little's law, 200 / (2 x 0.25 s)
//      = 400 req/s; the agent must not be the bottleneck (target ratio >= 0.9);
//   3. 250 ms mock, 50 connections: the agent's overhead above the mock, p99 - 500 ms (target < 10 ms).
// Runs 2 and 3 also print the agent's own time per chat from its Server-Timing header (total - llm):
// what the agent itself adds, without the mock's and the machine's share that p99 - 500 includes.
// The agent and the mock each run in their own process; the load generator runs here. A baseline
// server that only makes the same two mock calls runs beside it, so a loaded machine shows in both.
//
// Connections start spread over one chat cycle (ramp), as users arrive, not all in the same
// millisecond: with a fixed mock latency every chat takes the same time, so connections that start
// together stay in lock-step forever and every stage of the agent meets a wave of N simultaneous
// requests, which measures the load generator's start more than the agent. Runs 2 and 3 are also
// measured with a lock-step start (autocannon) and printed for comparison.
import { fork } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'
import pg from 'pg'

const DATABASE_URL = process.env.AGENTCTL_TEST_DATABASE_URL ?? 'postgres://agentctl@127.0.0.1:5432/agentctl_test'
const REDIS_URL = process.env.AGENTCTL_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'
const MOCK_LATENCY_MS = 250

if (process.argv[2] === '--serve-mock') await serveMock()
else if (process.argv[2] === '--serve-bare') await serveBare(process.argv[3])
else await main()

async function serveMock() {
  const { startMockLlmServer } = await import('../dist/harness/index.js')
  const server = await startMockLlmServer({ port: 0 })
  process.send({ url: server.url })
}

/**
 * The baseline: a server with none of the agent's work (no auth, memory, tools, tokenizer) that
 * makes the same two sequential LLM calls per request. Measured in the same run, it separates the
 * agent's overhead from what the mock and a loaded machine cost anyway.
 */
async function serveBare(mockUrl) {
  const { createServer } = await import('node:http')
  const call = (messages) =>
    fetch(`${mockUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages, tools: [{ type: 'function', function: { name: 'calculator', parameters: { type: 'object', properties: { expression: { type: 'string' } }, required: ['expression'] } } }], tool_choice: 'auto' }),
    }).then((r) => r.json())
  const server = createServer(async (req, res) => {
    req.resume()
    const user = { role: 'user', content: 'What is 17 * 23? Use the calculator.' }
    const first = await call([user])
    const toolCall = first.choices[0].message.tool_calls?.[0]
    const second = await call([user, first.choices[0].message, { role: 'tool', tool_call_id: toolCall?.id ?? 'x', content: '391' }])
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ response: second.choices[0].message.content }))
  })
  server.keepAliveTimeout = 65_000
  server.listen(0, '127.0.0.1', () => process.send({ url: `http://127.0.0.1:${server.address().port}` }))
}

async function main() {
  const { values } = parseArgs({ options: { duration: { type: 'string', default: '10' } } })
  const duration = Number(values.duration)
  const { startReferenceAgent } = await import('../dist/harness/stack.js')

  const schema = `bench_agent_${process.pid}_${randomBytes(2).toString('hex')}`
  await sql(DATABASE_URL, `CREATE SCHEMA ${schema}`)
  const mock = await startMock()
  let agent
  let bare
  try {
    const url = new URL(DATABASE_URL)
    url.searchParams.set('options', `-c search_path=${schema},public`)
    agent = await startReferenceAgent({
      env: {
        LLM_BASE_URL: `${mock.url}/v1`,
        DATABASE_URL: url.toString(),
        REDIS_URL,
        AGENT_REDIS_PREFIX: `bench:${schema}:`,
        LOG_LEVEL: 'warn',
        RATE_LIMIT_PER_MINUTE: '10000000', // out of the way: measure the agent, not its limiter
        DB_POOL_MAX: '20',
      },
    })
    console.log(`agent ${agent.url} (pid ${agent.pid}), mock ${mock.url}; machine load: ${(await loadAvg()).join(' ')}`)

    bare = await startChild(['--serve-bare', mock.url])
    const bareServer = { url: bare.url, pid: bare.child.pid }
    await setLatency(mock.url, 0)
    await closedLoop(agent.url, { connections: 50, duration: 2 }) // warm-up: JIT, pools, caches
    await closedLoop(bare.url, { connections: 50, duration: 2 })
    const fast = await measured(agent, { connections: 50, duration })
    report('1. zero-latency mock, 50 connections', fast)
    report('   baseline (2 mock calls, no agent work)', await measured(bareServer, { connections: 50, duration }))

    await setLatency(mock.url, MOCK_LATENCY_MS)
    const cycleMs = 2 * MOCK_LATENCY_MS
    const bound = 200 / (cycleMs / 1000)
    const wide = await measured(agent, { connections: 200, duration, rampMs: cycleMs })
    report('2. 250 ms mock, 200 connections', wide)
    const ratio = wide.rps / bound
    console.log(`   Little's law bound 200 / 0.5 s = ${bound} req/s; achieved/bound = ${ratio.toFixed(3)} (target >= 0.9) ${ratio >= 0.9 ? 'OK' : 'BELOW TARGET'}`)
    const wideBare = await measured(bareServer, { connections: 200, duration, rampMs: cycleMs })
    report('   baseline (2 mock calls, no agent work)', wideBare)
    console.log(`   baseline achieved/bound = ${(wideBare.rps / bound).toFixed(3)}: what this machine allows right now`)
    const wideLockstep = await measured(agent, { connections: 200, duration, lockstep: true })
    report('   lock-step start (autocannon)', wideLockstep)
    console.log(`   lock-step achieved/bound = ${(wideLockstep.rps / bound).toFixed(3)}`)

    const narrow = await measured(agent, { connections: 50, duration, rampMs: cycleMs })
    report('3. 250 ms mock, 50 connections', narrow)
    const narrowBare = await measured(bareServer, { connections: 50, duration, rampMs: cycleMs })
    report('   baseline (2 mock calls, no agent work)', narrowBare)
    const overhead = narrow.p99 - cycleMs
    console.log(`   agent overhead at p99 = ${narrow.p99} - ${cycleMs} = ${overhead.toFixed(1)} ms (target < 10 ms) ${overhead < 10 ? 'OK' : 'ABOVE TARGET'}`)
    console.log(`   baseline p99 - ${cycleMs} = ${(narrowBare.p99 - cycleMs).toFixed(1)} ms (mock, network and machine, no agent); agent p99 - baseline p99 = ${(narrow.p99 - narrowBare.p99).toFixed(1)} ms`)
    const narrowLockstep = await measured(agent, { connections: 50, duration, lockstep: true })
    report('   lock-step start (autocannon)', narrowLockstep)
    console.log(`   lock-step overhead at p99 = ${(narrowLockstep.p99 - cycleMs).toFixed(1)} ms`)
  } finally {
    await agent?.stop()
    bare?.child.kill('SIGTERM')
    mock.child.kill('SIGTERM')
    await sql(DATABASE_URL, `DROP SCHEMA IF EXISTS ${schema} CASCADE`)
    await dropRedisKeys(`bench:${schema}:`)
  }
}

function startMock() {
  return startChild(['--serve-mock'])
}

function startChild(args) {
  const child = fork(new URL(import.meta.url), args, { stdio: 'inherit' })
  return new Promise((resolve, reject) => {
    child.once('message', ({ url }) => resolve({ child, url }))
    child.once('exit', (code) => reject(new Error(`${args[0]} exited with ${code}`)))
  })
}

async function setLatency(mockUrl, ms) {
  const body = ms > 0 ? { name: 'slow', latencyMs: ms } : { name: 'healthy' }
  const res = await fetch(`${mockUrl}/__mock/scenario`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  if (!res.ok) throw new Error(`mock scenario: ${res.status} ${await res.text()}`)
}

async function measured(server, options) {
  const before = await cpuMs(server.pid)
  const result = options.lockstep ? await lockstepLoad(server.url, options) : await closedLoop(server.url, options)
  const after = await cpuMs(server.pid)
  return { ...result, cpuMs: before !== undefined && after !== undefined ? after - before : undefined }
}

/**
 * Each phase talks in its own sessions (reusing them would grow every history, and so every
 * prompt, from phase to phase); each connection keeps 10 sessions of its own and talks in them in
 * turn, like a user with a few conversations: histories grow by one turn per visit. The agent
 * issues session ids: a slot's first chat goes without one, and `remember` keeps the id its answer
 * carries for the slot's next chats.
 */
const sessionIds = new Map()
const slotOf = (phase, connection, turn) => `${phase}-${connection}-${turn % 10}`
function chatBody(phase, connection, turn) {
  const id = sessionIds.get(slotOf(phase, connection, turn))
  return JSON.stringify(id ? { message: CHAT_MESSAGE, session_id: id } : { message: CHAT_MESSAGE })
}
function remember(phase, connection, turn, body) {
  const slot = slotOf(phase, connection, turn)
  if (sessionIds.has(slot)) return
  try {
    const id = JSON.parse(body).session_id
    if (typeof id === 'string') sessionIds.set(slot, id)
  } catch {
    // not JSON (the baseline answers without a session): the slot stays single-turn
  }
}
const CHAT_MESSAGE = 'What is 17 * 23? Use the calculator.'
/** A function (hoisted), not a module variable: main() runs before later declarations. */
function nextPhase() {
  nextPhase.n = (nextPhase.n ?? 0) + 1
  return nextPhase.n
}

/**
 * Closed loop: `connections` clients, each sending its next chat when the previous one answered.
 * Client i starts at i/connections of `rampMs`; only chats sent after the ramp are measured, for
 * `duration` seconds. Latencies are exact (every sample kept), measured from the send.
 */
async function closedLoop(url, { connections, duration, rampMs = 0 }) {
  const { Pool } = await import('undici')
  const phase = nextPhase()
  const pool = new Pool(url, { connections, pipelining: 1 })
  const latencies = []
  const timings = { own: [], history: [], commit: [] } // from the agent's Server-Timing header
  let ok = 0
  let failed = 0
  const start = performance.now()
  const measureFrom = start + rampMs
  const end = measureFrom + duration * 1000
  await Promise.all(
    Array.from({ length: connections }, async (_, connection) => {
      await new Promise((resolve) => setTimeout(resolve, (connection * rampMs) / connections))
      for (let turn = 0; performance.now() < end; turn++) {
        const sent = performance.now()
        let status = 0
        try {
          const res = await pool.request({ path: '/chat', method: 'POST', headers: { 'content-type': 'application/json' }, body: chatBody(phase, connection, turn) })
          const text = await res.body.text()
          status = res.statusCode
          if (status === 200) remember(phase, connection, turn, text)
          if (sent >= measureFrom && status === 200) addTiming(timings, res.headers['server-timing'])
        } catch {
          status = 0
        }
        if (sent < measureFrom) continue
        if (status === 200) {
          ok++
          latencies.push(performance.now() - sent)
        } else failed++
      }
    }),
  )
  await pool.close()
  const at = (list, q) => {
    list.sort((a, b) => a - b)
    return list.length ? list[Math.min(list.length - 1, Math.floor(list.length * q))] : NaN
  }
  const own = timings.own.length ? { p50: at(timings.own, 0.5), p99: at(timings.own, 0.99), historyP99: at(timings.history, 0.99), commitP99: at(timings.commit, 0.99) } : undefined
  return { rps: (ok + failed) / duration, p50: Math.round(at(latencies, 0.5)), p99: Math.round(at(latencies, 0.99)), ok, failed, own }
}

/** The agent's own time per chat (total - llm) and its two PostgreSQL/Redis stages. */
function addTiming(timings, header) {
  if (typeof header !== 'string') return // the baseline server sends none
  const dur = Object.fromEntries([...header.matchAll(/(\w+);dur=([\d.]+)/g)].map(([, name, ms]) => [name, Number(ms)]))
  timings.own.push(dur.total - dur.llm)
  timings.history.push(dur.history)
  timings.commit.push(dur.commit)
}

/** autocannon: every connection starts at once, for the lock-step comparison. */
function lockstepLoad(url, { connections, duration }) {
  const phase = nextPhase()
  let turn = 0
  const options = {
    url: `${url}/chat`,
    connections,
    duration,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        setupRequest: (request, context) => {
          context.slot = [phase, turn % connections, Math.floor(turn / connections)]
          turn++
          return { ...request, body: chatBody(...context.slot) }
        },
        onResponse: (status, body, context) => {
          if (status === 200 && context.slot) remember(...context.slot, body)
        },
      },
    ],
  }
  return new Promise((resolve, reject) =>
    autocannon(options, (error, result) => {
      if (error) return reject(error)
      resolve({ rps: result.requests.total / duration, p50: result.latency.p50, p99: result.latency.p99, ok: result['2xx'], failed: result.errors + result.non2xx + result.timeouts })
    }),
  )
}

function report(title, r) {
  const cpu = r.cpuMs !== undefined ? `, CPU ${(r.cpuMs / Math.max(1, r.ok + r.failed)).toFixed(2)} ms/chat` : ''
  console.log(`${title}: ${r.rps.toFixed(1)} chat req/s, p50 ${r.p50} ms, p99 ${r.p99} ms, ${r.ok} ok, ${r.failed} failed${cpu}`)
  if (r.own) {
    const ms = (x) => x.toFixed(1)
    console.log(`   agent's own time per chat (Server-Timing total - llm): p50 ${ms(r.own.p50)} ms, p99 ${ms(r.own.p99)} ms; p99 of history read ${ms(r.own.historyP99)} ms, of commit ${ms(r.own.commitP99)} ms`)
  }
}

/**
 * CPU milliseconds the agent process has used (Linux /proc): CPU per chat is the agent's own cost,
 * comparable across runs even when other processes load the machine and stretch latencies.
 */
async function cpuMs(pid) {
  try {
    const { readFile } = await import('node:fs/promises')
    const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1].split(' ')
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100 // utime + stime, in clock ticks (USER_HZ = 100)
  } catch {
    return undefined
  }
}

async function dropRedisKeys(prefix) {
  const { Redis } = await import('ioredis')
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 })
  for await (const keys of redis.scanStream({ match: `${prefix}*`, count: 500 })) if (keys.length) await redis.del(...keys)
  redis.disconnect()
}

async function sql(connectionString, text) {
  const client = new pg.Client({ connectionString })
  await client.connect()
  try {
    await client.query(text)
  } finally {
    await client.end()
  }
}

async function loadAvg() {
  const { loadavg } = await import('node:os')
  return loadavg().map((n) => n.toFixed(1))
}
