// What the LLM client's transport costs: Node's fetch against undici.request, CPU per call, one run.
// Run: npx node bench/fetch-vs-request.mjs
//
// The agent's LLM client must call globalThis.fetch (msw intercepts it there). This measures what
// that costs against undici.request on the same loopback server (a 1 kB chat completion, 50
// concurrent, 20k calls, 3 rounds), so the trade-off is a number, not a guess.
import { fork } from 'node:child_process'
if (process.argv[2] === 'serve') {
  const http = await import('node:http')
  const body = JSON.stringify({ id: 'x', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: 'The answer is 391.'.repeat(20) }, finish_reason: 'stop' }], usage: { prompt_tokens: 900, completion_tokens: 60, total_tokens: 960 } })
  const s = http.createServer((req, res) => { req.resume(); req.on('end', () => { res.writeHead(200, { 'content-type': 'application/json' }); res.end(body) }) })
  s.keepAliveTimeout = 60000
  s.listen(0, '127.0.0.1', () => process.send(s.address().port))
} else {
  const child = fork(new URL(import.meta.url).pathname, ['serve'])
  const port = await new Promise((r) => child.once('message', r))
  const url = `http://127.0.0.1:${port}/v1/chat/completions`
  const { request, Agent } = await import('undici')
  const dispatcher = new Agent({ keepAliveTimeout: 60000 })
  const payload = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'system', content: 'x'.repeat(1500) }, { role: 'user', content: 'What is 17 * 23?' }], tools: [] })
  const viaFetch = async () => { const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: payload, signal: new AbortController().signal }); return r.json() }
  const viaRequest = async () => { const r = await request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: payload, dispatcher, signal: new AbortController().signal }); return r.body.json() }
  async function run(fn, n = 20000, conc = 50) {
    let i = 0; const c0 = process.cpuUsage(); const t0 = performance.now()
    await Promise.all(Array.from({ length: conc }, async () => { while (i++ < n) await fn() }))
    const c = process.cpuUsage(c0); return { us: (c.user + c.system) / n, rps: n / ((performance.now() - t0) / 1000) }
  }
  const best = {}
  for (let round = 0; round < 3; round++) {
    for (const [name, fn] of [['fetch', viaFetch], ['undici.request', viaRequest]]) {
      const r = await run(fn)
      best[name] = Math.min(best[name] ?? Infinity, r.us)
      console.log(round, name.padEnd(15), `${r.us.toFixed(1)} µs CPU/call`, `${r.rps.toFixed(0)} calls/s`)
    }
  }
  // Round 0 includes JIT warm-up; the best round of each is the fair comparison.
  console.log(`best rounds: fetch ${best.fetch.toFixed(1)} µs, undici.request ${best['undici.request'].toFixed(1)} µs per call; fetch/request = ${(best.fetch / best['undici.request']).toFixed(2)}`)
  child.kill()
}
