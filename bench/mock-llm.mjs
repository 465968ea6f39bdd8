// Mock LLM throughput vs a bare node:http server returning the same bytes, for each API the mock
// serves (Chat Completions, Responses, Messages), all in one run.
// Run: npx tsc -p . && npx node bench/mock-llm.mjs [--duration 10] [--connections 50] [--rounds 5] [--api chat,responses,messages]
// Each server runs in its own child process; autocannon runs here, so the load generator
// never shares an event loop with the server under test.
import { fork } from 'node:child_process'
import { createServer } from 'node:http'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'

const SYSTEM = 'You are a helpful support agent.'
const QUESTION = 'How do I reset my password?'
/** The same conversation in each API's request shape. */
const APIS = {
  chat: { path: '/v1/chat/completions', body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'system', content: SYSTEM }, { role: 'user', content: QUESTION }] }) },
  responses: { path: '/v1/responses', body: JSON.stringify({ model: 'gpt-4o-mini', instructions: SYSTEM, input: QUESTION }) },
  messages: { path: '/v1/messages', headers: { 'anthropic-version': '2023-06-01' }, body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 1024, system: SYSTEM, messages: [{ role: 'user', content: QUESTION }] }) },
}

if (process.argv[2] === '--serve') {
  // CPU time per request is the load-independent figure: the machine may be busy.
  process.on('message', (m) => m === 'cpu' && process.send({ cpu: process.cpuUsage() }))
  await serve(process.argv[3])
} else await main()

function cpuOf(child) {
  return new Promise((resolve) => {
    const onMessage = (m) => {
      if (!m.cpu) return
      child.off('message', onMessage)
      resolve(m.cpu.user + m.cpu.system)
    }
    child.on('message', onMessage)
    child.send('cpu')
  })
}

async function serve(kind) {
  if (kind === 'mock') {
    const { startMockLlmServer } = await import('../dist/harness/index.js')
    // MOCK_HOT_PATH=msw measures the all-through-msw path (getResponse for completions too).
    const server = await startMockLlmServer({ port: 0, ...(process.env.MOCK_HOT_PATH ? { hotPath: process.env.MOCK_HOT_PATH } : {}) })
    process.send({ port: server.port })
    return
  }
  // The baseline: the mock's exact status, headers and body bytes, with no work at all.
  const { status, headers, body } = JSON.parse(process.argv[4])
  const bytes = Buffer.from(body)
  const server = createServer((req, res) => {
    req.resume()
    res.writeHead(status, headers)
    res.end(bytes)
  })
  server.keepAliveTimeout = 65_000
  server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }))
}

function start(args) {
  const child = fork(new URL(import.meta.url), ['--serve', ...args], { stdio: 'inherit' })
  return new Promise((resolve, reject) => {
    child.once('message', ({ port }) => resolve({ child, url: `http://127.0.0.1:${port}` }))
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)))
  })
}

function load(url, { duration, connections, api }) {
  const { path, body, headers } = APIS[api]
  const options = { url: `${url}${path}`, method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body, connections, duration }
  return new Promise((resolve, reject) => autocannon(options, (error, result) => (error ? reject(error) : resolve(result))))
}

/**
 * Both servers run side by side and are loaded in alternating rounds, so a change in the
 * machine's background load hits both figures alike (the ratio is what matters).
 */
async function compare(mock, bare, options) {
  await load(mock.url, { ...options, duration: 1 }) // warm-up: JIT, tokenizer cache, keep-alive sockets
  await load(bare.url, { ...options, duration: 1 })
  const totals = { mock: { requests: 0, errors: 0, p99: [], cpuUs: 0 }, bare: { requests: 0, errors: 0, p99: [], cpuUs: 0 } }
  const slice = options.duration / options.rounds
  for (let round = 0; round < options.rounds; round++) {
    for (const [name, server] of [['mock', mock], ['bare', bare]]) {
      const cpuBefore = await cpuOf(server.child)
      const result = await load(server.url, { ...options, duration: slice })
      totals[name].cpuUs += (await cpuOf(server.child)) - cpuBefore
      totals[name].requests += result.requests.total
      totals[name].errors += result.errors + result.non2xx
      totals[name].p99.push(result.latency.p99)
    }
  }
  const summary = (t) => ({
    rps: t.requests / options.duration,
    p99: t.p99.sort((a, b) => a - b)[Math.floor(t.p99.length / 2)],
    errors: t.errors,
    cpuUsPerRequest: t.cpuUs / Math.max(t.requests, 1),
  })
  return { mock: summary(totals.mock), bare: summary(totals.bare) }
}

async function main() {
  const { values } = parseArgs({ options: { duration: { type: 'string', default: '10' }, connections: { type: 'string', default: '50' }, rounds: { type: 'string', default: '5' }, api: { type: 'string', default: Object.keys(APIS).join(',') } } })
  const options = { duration: Number(values.duration), connections: Number(values.connections), rounds: Number(values.rounds) }
  const mock = await start(['mock'])
  console.log(`${options.connections} connections, ${options.duration}s per server in ${options.rounds} alternating rounds per API (autocannon); one run`)
  let allOk = true
  const apis = values.api.split(',')
  // Warm the one mock process on every API first: otherwise the first API measured pays the JIT
  // for all of them (measured: its CPU per request twice the others').
  for (const api of apis) await load(mock.url, { ...options, api, duration: 2 })
  for (const api of apis) {
    const { path, body, headers: requestHeaders } = APIS[api]
    const sample = await fetch(`${mock.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...requestHeaders }, body })
    const headers = Object.fromEntries([...sample.headers].filter(([k]) => !['date', 'connection', 'keep-alive', 'transfer-encoding'].includes(k)))
    const reference = { status: sample.status, headers, body: await sample.text() }
    if (sample.status !== 200) throw new Error(`${api}: the mock answered ${sample.status}: ${reference.body.slice(0, 200)}`)
    const bare = await start(['bare', JSON.stringify(reference)])
    const { mock: mockResult, bare: bareResult } = await compare(mock, bare, { ...options, api })
    bare.child.kill()
    const ratio = mockResult.rps / bareResult.rps
    allOk &&= ratio >= 0.4
    console.log(`${api}: POST ${path}, ${reference.body.length}-byte answer`)
    const row = (name, r) => `  ${name} ${r.rps.toFixed(0).padStart(7)} req/s  p99 ${String(r.p99).padStart(4)} ms  ${r.cpuUsPerRequest.toFixed(0).padStart(4)} µs CPU/request  errors ${r.errors}`
    console.log(row('mock-llm ', mockResult))
    console.log(row('bare http', bareResult))
    console.log(`  ratio ${ratio.toFixed(2)} req/s mock / bare (target >= 0.40) ${ratio >= 0.4 ? 'OK' : 'BELOW TARGET'}`)
    console.log(`  CPU-cost ratio ${(bareResult.cpuUsPerRequest / mockResult.cpuUsPerRequest).toFixed(2)} (bare µs / mock µs per request: what req/s would show with a CPU-bound server)`)
  }
  mock.child.kill()
  process.exitCode = allOk ? 0 : 1
}
