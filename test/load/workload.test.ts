import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runLoad } from '../../harness/load/driver.js'
import { Workload } from '../../harness/load/workload.js'

/**
 * Records every JSON body it receives and answers with a usage block, like a chat endpoint that
 * issues session ids: a body without one starts a session, whose id the answer carries.
 */
const bodies: Array<{ message: string; session_id?: string; path?: string; session: string }> = []
let issued = 0
const server = createServer((req, res) => {
  let text = ''
  req.on('data', (d: Buffer) => (text += d))
  req.on('end', () => {
    const body = JSON.parse(text)
    const session = body.session_id ?? `srv-${++issued}`
    bodies.push({ ...body, path: req.url, session })
    setTimeout(() => res.end(JSON.stringify({ response: 'ok', session_id: session, model: 'gpt-4o-mini', usage: { prompt_tokens: 10, completion_tokens: 5 } })), 5)
  })
})
let origin = ''
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

const sessions = [
  ['a1', 'a2', 'a3'],
  ['b1', 'b2'],
]

function assertTurnOrder(path: string) {
  const bySession = new Map<string, string[]>()
  // Only this run's requests: a previous run's last in-flight bodies may still land after it returned.
  for (const b of bodies.filter((body) => body.path === path)) {
    // First turns start a session; every later turn continues one the server issued.
    if (sessions.some((s) => s[0] === b.message)) expect(b.session_id).toBeUndefined()
    else expect(b.session_id).toMatch(/^srv-\d+$/)
    bySession.set(b.session, [...(bySession.get(b.session) ?? []), b.message])
  }
  expect(bySession.size).toBeGreaterThan(4)
  for (const turns of bySession.values()) {
    // Every session replays a prefix of one conversation, in order.
    const conversation = sessions.find((s) => s[0] === turns[0])!
    expect(turns).toEqual(conversation.slice(0, turns.length))
  }
}

describe.each(['closed', 'open'] as const)('multi-turn sessions (%s model)', (mode) => {
  it('continue each conversation under the session_id of its first answer, turns in order', async () => {
    bodies.length = 0
    let usage = 0
    await runLoad({
      origin,
      mode,
      rate: 100,
      connections: 4,
      durationMs: 600,
      workload: new Workload({ method: 'POST', path: `/chat/${mode}`, headers: { 'content-type': 'application/json' }, sessions }),
      onBody: (body) => (usage += JSON.parse(body).usage.prompt_tokens),
    })
    assertTurnOrder(`/chat/${mode}`)
    expect(usage).toBeGreaterThan(0)
  })
})

it('rotates prompts in the closed model (autocannon setupRequest)', async () => {
  bodies.length = 0
  await runLoad({ origin, mode: 'closed', connections: 2, durationMs: 400, workload: new Workload({ method: 'POST', path: '/chat', headers: { 'content-type': 'application/json' }, prompts: ['p1', 'p2', 'p3'] }) })
  const seen = new Set(bodies.map((b) => b.message))
  expect([...seen].sort()).toEqual(['p1', 'p2', 'p3'])
})
