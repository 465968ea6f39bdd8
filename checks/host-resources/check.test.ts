import { describe, expect, it } from 'vitest'
import { check } from './check.js'
import { byTitle, type Out } from '../../test/support/kube-context.js'
import { insightContext } from '../../test/support/insight-context.js'

describe('host-resources', () => {
  it('reports load, memory and disk for a loopback target from node:os and fs.statfs', async () => {
    const out = byTitle(await check.run(insightContext({ target: { url: 'http://127.0.0.1:8080' } })))
    expect(Object.keys(out)).toEqual(['Host CPU load', 'Host memory', 'Host disk'])
    expect(out['Host memory']!.evidence!.totalBytes).toBeGreaterThan(0)
    expect(Number(out['Host disk']!.evidence!.totalBytes)).toBeGreaterThan(0)
    for (const o of Object.values(out)) expect(['pass', 'warn', 'fail']).toContain(o.status)
  })

  it('skips a remote target: this machine says nothing about it', async () => {
    const out = (await check.run(insightContext({ target: { url: 'https://agent.example.com' } }))) as Out
    expect(out.status).toBe('skip')
  })
})
