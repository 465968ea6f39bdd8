// The reference agent under load, on real PostgreSQL + Redis, against the mock LLM.
// Run: npx tsc -p . && npx node bench/agent.mjs [--duration 5] [--rounds 3] [--detail]
//
// First, as an outsider would measure it (issue 19), `--rounds` rounds of, each with wrk (Debian's
// `wrk`, an independent generator) counting only 2xx answers to `{"message":"hello"}`:
//   a. zero-latency mock, wrk -t1 -c20: the reference agent, the seed-000 FastAPI agent
//      (bench/seed-000, same mock, Redis and PostgreSQL) and the reference agent with OpenTelemetry
//      export on (a loopback OTLP sink): chats/s, reference/seed ratio, tracing cost (the plain
//      and traced agents under wrk -c10 each at the same time, and from two plain/traced pairs
//      per round run one after the other, the second in the opposite order: ABBA);
//   b. 250 ms mock, wrk -t2 -c200: 2xx/s against Little's law (200 / 0.5 s = 400/s), beside a
//      baseline server that makes only the two mock calls, under the same wrk: its efficiency is
//      what the mock, wrk and the machine allow, the ceiling the agent is compared with. This run
//      lasts 40 chat cycles (20 s), not --duration: wrk counts only answers that arrive before it
//      stops, and its 200 connections stay in lock-step against a fixed-latency mock, so each loses
//      its unfinished cycle at once. In 5 s (10 cycles) that alone capped the baseline at
//      9/10 cycles = 0.898 of the bound; in 20 s it is at most 1/40.
//   c. 250 ms mock, 50 connections (our generator), 40 chat cycles (20 s): the agent's own time
//      p99 from Server-Timing, its commit stage's and PostgreSQL statement's p99, and the
//      client-side p99 minus the baseline server's under the same loop; during the baseline's run,
//      the p99 of an independent client's one-row durable commit (bench/commit-probe.mjs: the
//      machine's floor for an agent that stores each turn before answering).
// Then the median and the spread (min-max) of each figure over the rounds. With --detail, the
// older sections below run as well (autocannon and our own closed loop, with a baseline server).
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
import { startSeed } from './seed-000/start.mjs'

const DATABASE_URL = process.env.AGENTCTL_TEST_DATABASE_URL ?? 'postgres://agentctl@127.0.0.1:5432/agentctl_test'
const REDIS_URL = process.env.AGENTCTL_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'
const MOCK_LATENCY_MS = 250
/** The Little's-law run's length in chat cycles (2 x the mock latency): see (b) above. */
const LITTLE_CYCLES = 40
/**
 * The own-time run's length in chat cycles: 40 (20 s, ~2000 chats at 50 connections). A p99 over
 * the ~500 chats of 5 s is the fifth-worst chat, and one stall of the shared machine moved it by
 * several ms between runs; over 40 cycles it rests on twenty.
 */
const OWN_CYCLES = 40
/**
 * The paired tracing run's length in seconds. In 5 s, the paired CPU-per-chat difference moved
 * from -0.010 to +0.175 between the rounds of one run (bench on the 2-core VM): a burst of other
 * work falls on both agents, but not always alike over so short a window.
 */
const PAIRED_SECONDS = 20
/** The warm-up's bound: 12 windows of 5 s per agent (see main). */
const WARM_UP_MAX_WINDOWS = 12


/**
 * An OTLP/HTTP receiver that accepts and discards spans: the traced agent's export target. It
 * shares the machine with the agent, so it does as little as a receiver can: it counts the spans
 * without decoding them. Decoding and matching every body (the first version) cost this process
 * more CPU than the agent's own span export, and the bench charged it to the agent.
 */
async function serveOtlpSink() {
  const { createServer } = await import('node:http')
  let spans = 0
  const server = createServer((req, res) => {
    const chunks = []
    req.on('data', (chunk) => chunks.push(chunk))
    req.on('end', () => {
      const json = /json/.test(req.headers['content-type'] ?? '')
      spans += json ? countJsonSpans(Buffer.concat(chunks)) : countProtobufSpans(Buffer.concat(chunks))
      // An empty ExportTraceServiceResponse, in the request's encoding.
      res.writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' }).end(json ? '{}' : '')
    })
  })
  process.on('message', () => process.send({ spans }))
  server.listen(0, '127.0.0.1', () => process.send({ url: `http://127.0.0.1:${server.address().port}` }))
}

/** OTLP/JSON: each span carries one "spanId" key (links and parents use other names). */
function countJsonSpans(body) {
  const key = Buffer.from('"spanId"')
  let spans = 0
  for (let at = body.indexOf(key); at !== -1; at = body.indexOf(key, at + key.length)) spans++
  return spans
}

/**
 * OTLP/protobuf: walks ExportTraceServiceRequest's length-delimited fields resource_spans (1) >
 * scope_spans (2) > spans (2) and counts the spans without reading them (opentelemetry-proto's
 * trace.proto and trace_service.proto give the field numbers).
 */
function countProtobufSpans(body) {
  const varint = (state) => {
    let value = 0
    for (let shift = 0; ; shift += 7) {
      const byte = body[state.at++]
      value += (byte & 0x7f) * 2 ** shift
      if (byte < 0x80) return value
    }
  }
  const fields = (start, end, visit) => {
    const state = { at: start }
    while (state.at < end) {
      const key = varint(state)
      const wire = key & 7
      if (wire === 2) {
        const length = varint(state)
        visit(Math.floor(key / 8), state.at, state.at + length)
        state.at += length
      } else if (wire === 0) varint(state)
      else if (wire === 1) state.at += 8
      else if (wire === 5) state.at += 4
      else throw new Error(`OTLP/protobuf body: unexpected wire type ${wire}`)
    }
  }
  let spans = 0
  fields(0, body.length, (f1, s1, e1) => f1 === 1 && fields(s1, e1, (f2, s2, e2) => f2 === 2 && fields(s2, e2, (f3) => f3 === 2 && spans++)))
  return spans
}

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
  const { values } = parseArgs({ options: { duration: { type: 'string', default: '5' }, rounds: { type: 'string', default: '3' }, detail: { type: 'boolean', default: false } } })
  const duration = Number(values.duration)
  const rounds = Number(values.rounds)
  const { startReferenceAgent } = await import('../dist/harness/stack.js')
  await assertWrk()

  const schema = `bench_agent_${process.pid}_${randomBytes(2).toString('hex')}`
  await sql(DATABASE_URL, `CREATE SCHEMA ${schema}`)
  const mock = await startMock()
  const children = []
  const agents = []
  try {
    const url = new URL(DATABASE_URL)
    url.searchParams.set('options', `-c search_path=${schema},public`)
    const agentEnv = (tag) => ({
      LLM_BASE_URL: `${mock.url}/v1`,
      DATABASE_URL: url.toString(),
      REDIS_URL,
      AGENT_REDIS_PREFIX: `bench:${schema}:${tag}:`,
      LOG_LEVEL: 'warn',
      RATE_LIMIT_PER_MINUTE: '10000000', // out of the way: measure the agent, not its limiter
      DB_POOL_MAX: '20',
      // All of them opened and prepared at start, as a fixed-size production pool: the rounds
      // alternate agents, so the pool idles between runs, and a burst that opens a fresh
      // connection pays its start and the commit statement's parse (9-25 ms under this load).
      DB_POOL_MIN: '20',
    })
    const agent = await startReferenceAgent({ env: agentEnv('plain') })
    agents.push(agent)
    const sink = await startChild(['--serve-otlp-sink'])
    children.push(sink.child)
    const traced = await startReferenceAgent({ env: { ...agentEnv('traced'), OTEL_EXPORTER_OTLP_ENDPOINT: sink.url } })
    agents.push(traced)
    const bare = await startChild(['--serve-bare', mock.url])
    children.push(bare.child)
    const { child: commitProbe } = await startChild([url.toString()], new URL('./commit-probe.mjs', import.meta.url))
    children.push(commitProbe)
    const seed = await startSeed({ llmUrl: mock.url, databaseUrl: url, redisUrl: REDIS_URL, redisPrefix: `bench:${schema}:seed:` })
    children.push(seed.child)
    console.log(`reference agent ${agent.url} (pid ${agent.pid}), traced ${traced.url}, seed-000 ${seed.url} (pid ${seed.pid}), mock ${mock.url}`)
    console.log(`machine: ${(await import('node:os')).cpus().length} cores, load average ${(await loadAvg()).join(' ')} (shared with other work: absolute figures are noisy, compare the ratios of one run)`)

    await setLatency(mock.url, 0)
    // Warm-up: JIT tiers, pools, caches. How long V8 takes to settle depends on the machine: on
    // one 2-core VM 5 s brought round 1 in line, on a slower one CPU per chat fell from 1.25 ms
    // (first 5 s) to 0.55 ms only after 40 s (and after 15 s in another start), so a fixed
    // warm-up measured a half-compiled agent in round 1. Each Node agent runs 5 s windows until
    // its CPU per chat stops falling (warmUp, below), for at most a minute; the seed, CPython with
    // no JIT, gets one window.
    for (const target of [agent, traced]) await warmUp(target)
    await runWrk(seed.url, { threads: 1, connections: 20, duration: 5 })

    const cycleMs = 2 * MOCK_LATENCY_MS
    const bound = 200 / (cycleMs / 1000)
    const ownSeconds = Math.max(duration, (OWN_CYCLES * cycleMs) / 1000)
    const rows = []
    for (let round = 1; round <= rounds; round++) {
      await setLatency(mock.url, 0)
      // The order rotates per round, so a burst of load from elsewhere does not always land on the
      // same contestant.
      const runs = {}
      const order = [['ref', agent], ['seed', seed], ['traced', traced]]
      for (let i = 0; i < order.length; i++) {
        const [name, target] = order[(i + round - 1) % order.length]
        runs[name] = await measuredWrk(target, { threads: 1, connections: 20, duration })
      }
      const { ref, seed: seedRun } = runs
      // Tracing's cost is a small difference between two noisy rates (two identical agents differ
      // by up to 12% in one 5 s run on a shared 2-core machine): a second pair, in the order
      // opposite to the first, cancels a drift in the machine's speed across the round (ABBA), and
      // the cost comes from the sums of both pairs.
      const ran = order.map((_, i) => order[(i + round - 1) % order.length][0])
      const tracedFirst = ran.indexOf('traced') < ran.indexOf('ref')
      const extra = {}
      for (const [name, target] of tracedFirst ? [['ref', agent], ['traced', traced]] : [['traced', traced], ['ref', agent]]) {
        extra[name] = await measuredWrk(target, { threads: 1, connections: 20, duration })
      }
      const pooled = (a, b) => ({ okRps: (a.okRps + b.okRps) / 2, cpuPerChat: (a.cpuPerChat + b.cpuPerChat) / 2, bad: a.bad + b.bad, errors: a.errors + b.errors })
      const refPair = pooled(ref, extra.ref)
      const tracedRun = pooled(runs.traced, extra.traced)
      // The paired measure: both agents under wrk at the same time (-c10 each), so whatever the
      // machine does during the run (another tenant, a slower phase) falls on both alike. Two plain
      // agents measured this way read 0.99x CPU per chat (within 3-5% on the 2-core VM), where
      // the pairs above read -4.6% to +4.1% between two identical agents: too coarse for a 10%
      // target. The judged figure is CPU per chat, turned into the throughput an agent whose CPU
      // is the bottleneck loses (1 - 1/ratio); the paired rates are printed beside it, but they
      // share the mock, PostgreSQL, Redis and the cores, which pull the two rates together (and
      // the sink's CPU, spent on the traced agent's spans, slows the plain one too).
      const [pairedPlain, pairedTraced] = await Promise.all([agent, traced].map((target) => measuredWrk(target, { threads: 1, connections: 10, duration: Math.max(duration, PAIRED_SECONDS) })))
      await setLatency(mock.url, MOCK_LATENCY_MS)
      const littleRun = { threads: 2, connections: 200, duration: Math.max(duration, (LITTLE_CYCLES * cycleMs) / 1000) }
      const little = await runWrk(agent.url, littleRun)
      const bareLittle = await runWrk(bare.url, littleRun)
      const own = await closedLoop(agent.url, { connections: 50, duration: ownSeconds, rampMs: cycleMs })
      // The same closed loop against the baseline server: what the mock, the generator and the
      // machine add to a chat's latency with no agent work; agent p99 - baseline p99 is the
      // agent's share as a client sees it (issue 19's second measure, beside Server-Timing's).
      // The commit probe runs meanwhile, not during the agent's run, where its 50 commits a second
      // would load the WAL flushes the agent's own ~50 statements a second wait for.
      commitProbe.send('start')
      const bareOwn = await closedLoop(bare.url, { connections: 50, duration: ownSeconds, rampMs: cycleMs })
      const floor = await stopCommitProbe(commitProbe)
      const row = {
        ref: ref.okRps,
        seed: seedRun.okRps,
        ratio: ref.okRps / seedRun.okRps,
        traced: tracedRun.okRps,
        tracingCost: 1 - tracedRun.okRps / refPair.okRps,
        // CPU per chat moves less with other work on the machine than chats/s: the second opinion.
        cpuRatio: seedRun.cpuPerChat / ref.cpuPerChat,
        tracingCpu: tracedRun.cpuPerChat / refPair.cpuPerChat - 1,
        pairedCost: 1 - pairedTraced.okRps / pairedPlain.okRps,
        pairedCpu: pairedTraced.cpuPerChat / pairedPlain.cpuPerChat - 1,
        // What the extra CPU per chat costs an agent whose CPU is the bottleneck: 1 - 1/ratio.
        pairedCpuCost: 1 - pairedPlain.cpuPerChat / pairedTraced.cpuPerChat,
        refCpu: ref.cpuPerChat,
        seedCpu: seedRun.cpuPerChat,
        tracedCpu: tracedRun.cpuPerChat,
        little: little.okRps / bound,
        bareLittle: bareLittle.okRps / bound,
        ownP99: own.own?.p99 ?? NaN,
        // Where the own-time tail is: the commit stage (PostgreSQL statement, then the cache
        // append) and its PostgreSQL statement alone, each at its own p99.
        commitP99: own.own?.commitP99 ?? NaN,
        dbP99: own.own?.dbP99 ?? NaN,
        // The machine's floor: an independent client's one-row durable commit under the same client load.
        floorP99: floor.p99,
        overBaselineP99: own.p99 - bareOwn.p99,
        non2xx: [refPair, seedRun, tracedRun, little, pairedPlain, pairedTraced].reduce((sum, r) => sum + r.bad + r.errors, 0),
      }
      rows.push(row)
      console.log(
        `round ${round}: reference ${row.ref.toFixed(0)} 2xx/s (CPU ${fmt(row.refCpu, 2)} ms/chat), seed-000 ${row.seed.toFixed(0)} 2xx/s (CPU ${fmt(row.seedCpu, 2)} ms/chat), ratio ${row.ratio.toFixed(2)}; ` +
          `traced ${row.traced.toFixed(0)} 2xx/s (cost ${row.tracingCost.toFixed(3)}, CPU ${fmt(row.tracedCpu, 2)} ms/chat; paired: CPU per chat ${(1 + row.pairedCpu).toFixed(3)}x the plain agent's, throughput cost ${row.pairedCpuCost.toFixed(3)}); Little ${little.okRps.toFixed(0)}/${bound} = ${row.little.toFixed(3)} (baseline ${row.bareLittle.toFixed(3)}); own p99 ${fmt(row.ownP99, 1)} ms (commit ${fmt(row.commitP99, 1)}, db ${fmt(row.dbP99, 1)}; an independent one-row commit ${fmt(row.floorP99, 1)}; client p99 minus the baseline's ${fmt(row.overBaselineP99, 0)} ms); non-2xx/errors ${row.non2xx}`,
      )
    }
    const sorted = (key) => rows.map((r) => r[key]).sort((a, b) => a - b)
    const median = (key) => sorted(key)[Math.floor(rows.length / 2)]
    const spread = (key, digits, unit = '') => {
      const v = sorted(key)
      if (v.length === 1) return `${median(key).toFixed(digits)}${unit}` // the header says there is no spread
      // 'a-b' would read as a subtraction with a negative bound (-0.139--0.021).
      const to = v[0] < 0 || v.at(-1) < 0 ? ' to ' : '-'
      return `${median(key).toFixed(digits)}${unit} (spread ${v[0].toFixed(digits)}${to}${v.at(-1).toFixed(digits)}${unit})`
    }
    const judged = (key, target, lowerIsBetter) => ((lowerIsBetter ? median(key) <= target : median(key) >= target) ? 'met' : 'MISSED')
    console.log(`\nover ${rounds} round${rounds === 1 ? '' : 's'} (zero-latency runs of ${duration} s, the paired tracing run of ${Math.max(duration, PAIRED_SECONDS)} s, the Little's-law and own-time runs of ${ownSeconds} s), ${rounds === 1 ? 'one figure each, no spread (--rounds 3 gives the issue\'s three-round spread)' : 'median (spread min-max)'}; a target is judged on the median:`)
    console.log(`  reference/seed-000 chats/s (wrk -t1 -c20, 2xx only): ${spread('ratio', 2)}   target >= 10: ${judged('ratio', 10)}`)
    console.log(`  reference ${spread('ref', 0, '/s')}, seed-000 ${spread('seed', 0, '/s')}; CPU per chat: reference ${spread('refCpu', 2, ' ms')}, seed ${spread('seedCpu', 2, ' ms')}`)
    console.log(`  seed/reference CPU per chat: ${spread('cpuRatio', 2)}`)
    console.log(`  Little's-law efficiency (250 ms mock, wrk -t2 -c200 for ${LITTLE_CYCLES} cycles, 2xx only): ${spread('little', 3)}   target >= 0.9: ${judged('little', 0.9)}`)
    console.log(`    the baseline server (only the two mock calls) under the same wrk: ${spread('bareLittle', 3)}`)
    console.log(`  agent's own time p99 at 50 connections (Server-Timing total - llm): ${spread('ownP99', 1, ' ms')}   target <= 10 ms: ${judged('ownP99', 10, true)}`)
    console.log(`    of which at their own p99: commit (PostgreSQL statement + cache append) ${spread('commitP99', 1, ' ms')}, the PostgreSQL statement ${spread('dbP99', 1, ' ms')}`)
    console.log(`    the machine's floor: an independent client's one-row durable commit every 20 ms during the baseline server's run (same generator, mock and machine; PostgreSQL serving only it), p99 ${spread('floorP99', 1, ' ms')} (an agent that stores each turn before answering waits for at least one commit a chat)`)
    console.log(`    client-side p99, the agent's minus the baseline server's (2 mock calls, no agent work) under the same 50 connections: ${spread('overBaselineP99', 0, ' ms')}`)
    console.log(`  tracing on (OTLP export to a loopback sink), the two agents under wrk at the same time: CPU per chat ${spread('pairedCpu', 3)} more, a CPU-bound agent's throughput cost ${spread('pairedCpuCost', 3)} (fractions; the judged figure, target <= 0.10: ${judged('pairedCpuCost', 0.1, true)}); from the two agents' rates instead: cost ${spread('pairedCost', 3)}`)
    console.log(`    for comparison, from plain/traced pairs run one after the other (noisier: not judged): throughput cost ${spread('tracingCost', 3)}, CPU per chat ${spread('tracingCpu', 3)}`)
    sink.child.send('count')
    const { spans } = await new Promise((resolve) => sink.child.once('message', resolve))
    console.log(`  spans received by the sink: ${spans} (OTLP/HTTP, the agent's default protobuf encoding)`)

    if (values.detail) await detail(agent, mock, bare, duration)
  } finally {
    for (const a of agents) await a.stop().catch(() => undefined)
    for (const c of children) c.kill('SIGTERM')
    mock.child.kill('SIGTERM')
    await sql(DATABASE_URL, `DROP SCHEMA IF EXISTS ${schema} CASCADE`)
    await dropRedisKeys(`bench:${schema}:`)
  }
}

const fmt = (n, digits) => (n === undefined || Number.isNaN(n) ? '?' : n.toFixed(digits))

/** The earlier sections: our own closed loop and autocannon, with a baseline server. */
async function detail(agent, mock, bare, duration) {
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
}

/**
 * 5 s wrk windows until the agent's CPU per chat stops falling: from the sixth window on, it stops
 * when the median of the last three is within 3% of the median of the three before (CPU per chat
 * moves less with the machine than the rate does); at most WARM_UP_MAX_WINDOWS.
 */
async function warmUp(target) {
  const cpu = []
  const median3 = (list) => [...list].sort((a, b) => a - b)[1]
  for (let window = 1; window <= WARM_UP_MAX_WINDOWS; window++) {
    const run = await measuredWrk(target, { threads: 1, connections: 20, duration: 5 })
    if (run.ok === 0) throw new Error(`warm-up: ${target.url} answered no chat with a 2xx in 5 s (${run.bad} other answers, ${run.errors} errors)`)
    cpu.push(run.cpuPerChat)
    if (window >= 6 && median3(cpu.slice(-3)) >= 0.97 * median3(cpu.slice(-6, -3))) {
      return console.log(`warm-up ${target.url}: steady after ${window} windows of 5 s (CPU per chat ${cpu.map((c) => c.toFixed(2)).join(', ')} ms)`)
    }
  }
  console.log(`warm-up ${target.url}: CPU per chat still falling after ${WARM_UP_MAX_WINDOWS} windows of 5 s (${cpu.map((c) => c.toFixed(2)).join(', ')} ms); measuring anyway`)
}

/** Fails early, with the fix, when wrk is missing: the outsider's figures need it. */
async function assertWrk() {
  const { spawnSync } = await import('node:child_process')
  const probe = spawnSync('wrk', ['--version'], { encoding: 'utf8' })
  if (probe.error) throw new Error('wrk is not installed: apt-get install wrk (Debian package), then run again')
}

/**
 * wrk posting {"message":"hello"}; a Lua `response` hook counts 2xx answers apart from the rest,
 * so a fast error never counts as throughput.
 */
async function runWrk(url, { threads, connections, duration }) {
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs')
  const { tmpdir } = await import('node:os')
  const { join } = await import('node:path')
  const { spawn } = await import('node:child_process')
  const dir = mkdtempSync(join(tmpdir(), 'agentctl-wrk-'))
  const script = join(dir, 'chat.lua')
  writeFileSync(script, WRK_SCRIPT)
  try {
    const out = await new Promise((resolve, reject) => {
      const child = spawn('wrk', ['-t', String(threads), '-c', String(connections), '-d', `${duration}s`, '--timeout', '10s', '-s', script, `${url}/chat`], { stdio: ['ignore', 'pipe', 'inherit'] })
      let text = ''
      child.stdout.on('data', (d) => (text += d))
      child.on('error', reject)
      // 'close', not 'exit': 'exit' can come before the last of wrk's stdout was read (it did,
      // once: an empty summary from a wrk that had printed one).
      child.on('close', (code) => (code === 0 ? resolve(text) : reject(new Error(`wrk exited with ${code}: ${text}`))))
    })
    const m = /AGENTCTL ok=(\d+) bad=(\d+) errors=(\d+) duration_us=(\d+)/.exec(out)
    if (!m) throw new Error(`could not read wrk's summary: ${out}`)
    const [ok, bad, errors, us] = m.slice(1).map(Number)
    return { ok, bad, errors, okRps: ok / (us / 1e6) }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

async function measuredWrk(server, options) {
  const before = await cpuMs(server.pid)
  const result = await runWrk(server.url, options)
  const after = await cpuMs(server.pid)
  return { ...result, cpuPerChat: before !== undefined && after !== undefined ? (after - before) / Math.max(1, result.ok + result.bad) : undefined }
}

const WRK_SCRIPT = `
wrk.method = "POST"
wrk.body = '{"message":"hello"}'
wrk.headers["Content-Type"] = "application/json"
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) ok = 0; bad = 0 end
function response(status, headers, body)
  if status >= 200 and status < 300 then ok = ok + 1 else bad = bad + 1 end
end
function done(summary, latency, requests)
  local o, b = 0, 0
  for _, t in ipairs(threads) do o = o + t:get("ok"); b = b + t:get("bad") end
  local e = summary.errors
  io.write(string.format("AGENTCTL ok=%d bad=%d errors=%d duration_us=%d\\n", o, b, e.connect + e.read + e.write + e.timeout, summary.duration))
end
`

function startMock() {
  return startChild(['--serve-mock'])
}

/** Ends the probe's measurement: its p50/p99, or NaN with the reason when its commits failed. */
function stopCommitProbe(child) {
  return new Promise((resolve, reject) => {
    const exited = (code) => reject(new Error(`bench/commit-probe.mjs exited with ${code}`))
    child.once('exit', exited)
    child.once('message', (result) => {
      child.off('exit', exited)
      if (result.error) console.log(`commit probe: ${result.error}; its floor is not measured this round`)
      resolve({ ...result, p50: result.p50 ?? NaN, p99: result.p99 ?? NaN }) // IPC sends NaN as null
    })
    child.send('stop')
  })
}

/** A child process (this script in one of its --serve-* roles, or `module`); resolves once it is ready. */
function startChild(args, module = new URL(import.meta.url)) {
  const child = fork(module, args, { stdio: 'inherit' })
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
  const timings = { own: [], history: [], commit: [], db: [] } // from the agent's Server-Timing header
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
  const own = timings.own.length ? { p50: at(timings.own, 0.5), p99: at(timings.own, 0.99), historyP99: at(timings.history, 0.99), commitP99: at(timings.commit, 0.99), dbP99: at(timings.db, 0.99) } : undefined
  return { rps: (ok + failed) / duration, p50: Math.round(at(latencies, 0.5)), p99: Math.round(at(latencies, 0.99)), ok, failed, own }
}

/** The agent's own time per chat (total - llm) and its two PostgreSQL/Redis stages. */
function addTiming(timings, header) {
  if (typeof header !== 'string') return // the baseline server sends none
  const dur = Object.fromEntries([...header.matchAll(/(\w+);dur=([\d.]+)/g)].map(([, name, ms]) => [name, Number(ms)]))
  timings.own.push(dur.total - dur.llm)
  timings.history.push(dur.history)
  timings.commit.push(dur.commit)
  timings.db.push(dur.db ?? NaN) // the commit's PostgreSQL statement (absent from older agents)
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
    console.log(`   agent's own time per chat (Server-Timing total - llm): p50 ${ms(r.own.p50)} ms, p99 ${ms(r.own.p99)} ms; p99 of history read ${ms(r.own.historyP99)} ms, of commit ${ms(r.own.commitP99)} ms (its PostgreSQL statement ${ms(r.own.dbP99)} ms)`)
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

// Last, so every module-level constant above is initialised before main() runs.
if (process.argv[2] === '--serve-mock') await serveMock()
else if (process.argv[2] === '--serve-bare') await serveBare(process.argv[3])
else if (process.argv[2] === '--serve-otlp-sink') await serveOtlpSink()
else await main()
