import { afterEach, describe, expect, it, vi } from 'vitest'
import { METRICS } from '../src/contracts/metric-names.js'
import { ACTIVE_SESSIONS_CAP, createTelemetry } from './telemetry.js'

const activeSessions = async (telemetry: ReturnType<typeof createTelemetry>) => {
  const metric = await telemetry.registry.getSingleMetric(METRICS.activeSessions)!.get()
  return metric.values[0]!.value
}

afterEach(() => vi.useRealTimers())

describe('active sessions', () => {
  it('counts sessions with a turn in the last 15 minutes, each once', async () => {
    vi.useFakeTimers({ now: 0, toFake: ['Date'] })
    const telemetry = createTelemetry()
    telemetry.touchSession('a')
    telemetry.touchSession('b')
    telemetry.touchSession('a')
    expect(await activeSessions(telemetry)).toBe(2)
    vi.setSystemTime(10 * 60_000)
    telemetry.touchSession('b') // b is active again; a's last turn is 10 minutes old
    vi.setSystemTime(16 * 60_000)
    expect(await activeSessions(telemetry)).toBe(1)
  })

  it('memory stays bounded with no scrape: sessions that left the window are forgotten as new ones come', async () => {
    vi.useFakeTimers({ now: 0, toFake: ['Date'] })
    const telemetry = createTelemetry()
    for (let minute = 0; minute < 20; minute++) {
      vi.setSystemTime(minute * 60_000)
      for (let i = 0; i < 100; i++) telemetry.touchSession(`s-${minute}-${i}`)
    }
    // Pruned as turns come, scraped or not: minutes 4..19 are inside the window at minute 19.
    expect(telemetry.trackedSessions()).toBe(16 * 100)
    vi.setSystemTime(19.5 * 60_000) // minutes 5..19 are inside the 15-minute window
    expect(await activeSessions(telemetry)).toBe(15 * 100)
  })

  it('never remembers more than the cap, however fast new sessions come', async () => {
    const telemetry = createTelemetry()
    for (let i = 0; i < ACTIVE_SESSIONS_CAP + 5000; i++) telemetry.touchSession(`s-${i}`)
    expect(telemetry.trackedSessions()).toBe(ACTIVE_SESSIONS_CAP)
    expect(await activeSessions(telemetry)).toBe(ACTIVE_SESSIONS_CAP)
  })
})
