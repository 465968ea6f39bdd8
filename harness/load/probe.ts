import { performance } from 'node:perf_hooks'
import type { Pool } from 'undici'
import type { CapacityProbe, ThroughputBurst } from '../../src/load/findings.js'
import { sleep } from '../../src/sleep.js'
import type { DriverOptions } from './driver.js'
import { type ChatRead, readResponse } from './read-chat.js'

type RequestOptions = Pick<DriverOptions, 'origin' | 'workload' | 'protocol' | 'signal'> & { timeoutMs: number }

/** Sequential probe requests before any load (fewer when they are slow); the first is a warm-up. */
const PROBE_REQUESTS = 6
/** Concurrency of the first burst; each next one is 4x larger, 8x while the last one did not queue at all. */
const FIRST_BURST_USERS = 4
const BURST_GROWTH = 4
const FAST_BURST_GROWTH = 8
/** Users whose median answer is within this factor of one alone's are not queueing at all. */
const NO_QUEUE_FACTOR = 1.2
/** A burst that adds less than this to the best throughput so far means the agent is saturated. */
const SATURATED_GAIN = 1.2
/** Users whose median answer takes this much longer than one alone are queueing: the agent is at its ceiling. */
const QUEUEING_FACTOR = 1.5
/**
 * At most this many users: 2048 users connecting at once overflowed the reference agent's listen
 * backlog (SYN drops, seconds of retransmits) and measured 35 answers/s where it held 228 rps. An
 * agent not saturated by 256 users gets a lower bound, and growth is not capped by it.
 */
const MAX_BURST_USERS = 256
const MIN_BURST_MS = 1500
const MAX_BURST_MS = 6000

/**
 * One request of the workload: its latency in ms, or undefined when it failed. Judged like the
 * steps' requests (readResponse): with a protocol a 200 carrying an in-band error is a failure,
 * so an agent that answers nothing but errors ends the search at its probe, not at its first step.
 */
export async function timedRequest(opts: RequestOptions, pool: Pool, timeoutMs: number): Promise<number | undefined> {
  const turn = opts.workload.next()
  const { method, path, headers, body } = turn.spec
  const t0 = performance.now()
  let read: ChatRead | undefined
  try {
    const signal = AbortSignal.any([AbortSignal.timeout(timeoutMs), ...(opts.signal ? [opts.signal] : [])])
    const res = await pool.request({ origin: opts.origin, method: method as 'GET', path, headers, body, signal })
    read = await readResponse(res, opts.protocol, opts.workload.tracksSessions)
  } catch {
    read = undefined
  }
  const ok = read?.ok ?? false
  opts.workload.complete(turn, ok, read?.text, read?.session)
  return ok ? performance.now() - t0 : undefined
}

/** Sequential requests before any load: the one-at-a-time latency that sizes the first step. */
export async function probeLatency(opts: RequestOptions, pool: Pool): Promise<CapacityProbe> {
  const latencies: number[] = []
  let warmup: number | undefined
  let failed = 0
  const began = performance.now()
  for (let i = 0; i < PROBE_REQUESTS && !opts.signal?.aborted; i++) {
    const ms = await timedRequest(opts, pool, opts.timeoutMs)
    // The first answer pays for connection setup and a cold agent (JIT, pools, caches): it says
    // nothing about the one-at-a-time rate, unless it is the only one there is.
    if (ms === undefined) failed++
    else if (i === 0) warmup = ms
    else latencies.push(ms)
    if (performance.now() - began > 5000) break
  }
  const requests = latencies.length + failed + (warmup !== undefined ? 1 : 0)
  if (latencies.length === 0 && warmup !== undefined) latencies.push(warmup)
  return { requests, failed, latencyMs: Math.round(median(latencies) * 100) / 100 }
}

/**
 * The throughput ceiling, measured the way GuideLLM's sweep measures its throughput rate: closed
 * model bursts of 4, 16, 64 … users (8x instead of 4x while the last burst did not queue; at most
 * `maxUsers` and 256), each user sending its next request when the last one answered, until a burst adds less than 20% to the best so far or its users queue
 * (a median latency 1.5x the one-at-a-time latency): saturated; or until
 * `deadline` leaves no room for the next (a lower bound only). Unlike an open-model
 * step past the limit, a burst's backlog is bounded by its users and every request is waited for,
 * so it leaves the agent no abandoned work to carry into the first step: a 4x growth step did that
 * to the seed-000 agent, whose abandoned requests then broke rates it held when fresh.
 */
export async function measureThroughput(opts: RequestOptions, pool: Pool, latencyMs: number, maxUsers: number, deadline: number): Promise<CapacityProbe['throughput']> {
  // Two latencies: each user answers about twice; the rate comes from the latencies (runBurst).
  const windowMs = Math.min(MAX_BURST_MS, Math.max(MIN_BURST_MS, 2 * latencyMs))
  const bursts: ThroughputBurst[] = []
  let best: ThroughputBurst | undefined
  let saturated = false
  maxUsers = Math.min(maxUsers, MAX_BURST_USERS)
  for (let users = Math.min(FIRST_BURST_USERS, maxUsers); ; ) {
    // A burst ends one window and about one latency (its last requests answering) from now.
    if (opts.signal?.aborted || performance.now() + windowMs + 2 * latencyMs > deadline) break
    const burst = await runBurst(opts, pool, users, windowMs, latencyMs)
    bursts.push(burst)
    // Mostly failing: the agent sheds load (429/503) or breaks; more users only add to that.
    saturated = (best !== undefined && burst.rps < SATURATED_GAIN * best.rps) || burst.p50Ms > QUEUEING_FACTOR * latencyMs || burst.failed > burst.ok
    if (!best || burst.rps > best.rps) best = burst
    if (saturated || users >= maxUsers) break
    // Far from any queue, larger steps: a 3 s agent reached 256 users, not its ceiling, in 30% of the budget.
    users = Math.min(maxUsers, users * (burst.p50Ms <= NO_QUEUE_FACTOR * latencyMs ? FAST_BURST_GROWTH : BURST_GROWTH))
  }
  return best && best.rps > 0 ? { rps: best.rps, concurrency: best.concurrency, saturated, bursts } : undefined
}

async function runBurst(opts: RequestOptions, pool: Pool, users: number, windowMs: number, latencyMs: number): Promise<ThroughputBurst> {
  const end = performance.now() + windowMs
  const latencies: number[] = []
  let failed = 0
  // Users join over the first quarter of the window (one latency at most), not all at one instant.
  const spreadMs = Math.min(windowMs / 4, latencyMs)
  const user = async (_: unknown, i: number) => {
    await sleep((i / users) * spreadMs, opts.signal).catch(() => undefined)
    while (performance.now() < end && !opts.signal?.aborted) {
      const ms = await timedRequest(opts, pool, opts.timeoutMs)
      if (ms === undefined) failed++
      else latencies.push(ms)
    }
  }
  await Promise.all(Array.from({ length: users }, user))
  // Little's law for a closed loop without think time: throughput = users / mean latency, of every
  // request sent in the window (the last ones were waited for, so the slow tail counts), times the
  // share that succeeded. Counting answers inside a 1.5 s window instead measured 125/s where the
  // reference agent then held 472 rps: 256 users' first requests (connection set-up) were still out.
  const mean = latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length)
  const rps = latencies.length ? (users / (mean / 1000)) * (latencies.length / (latencies.length + failed)) : 0
  return { concurrency: users, rps: Math.round(rps * 10) / 10, ok: latencies.length, failed, p50Ms: Math.round(median(latencies)) }
}

function median(xs: number[]): number {
  if (xs.length === 0) return 0
  const sorted = [...xs].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}
