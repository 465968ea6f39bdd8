import { performance } from 'node:perf_hooks'
import type { Pool } from 'undici'
import type { DriverOptions } from './driver.js'
import { type ChatRead, readResponse } from './read-chat.js'

/** What the capacity search measures before its first step (harness/LOAD.md "The method"). */
export interface SearchProbe {
  requests: number
  failed: number
  /** One-at-a-time latency: the median of the probe requests after the first. */
  latencyMs: number
  /** The closed-model bursts: the throughput ceiling with a bounded backlog. */
  throughput?: { rps: number; concurrency: number; bursts: Burst[] }
}

export interface Burst {
  concurrency: number
  /** Successful answers per second while every user kept one request in flight. */
  rps: number
  ok: number
  failed: number
  p50Ms: number
}

type RequestOptions = Pick<DriverOptions, 'origin' | 'workload' | 'protocol' | 'signal'> & { timeoutMs: number }

/** Sequential probe requests before any load (fewer when they are slow); the first is a warm-up. */
const PROBE_REQUESTS = 6
/** Concurrency of the first burst; each next one is BURST_GROWTH times larger. */
const FIRST_BURST_USERS = 4
const BURST_GROWTH = 4
/** A burst that adds less than this to the best throughput so far means the agent is saturated. */
const SATURATED_GAIN = 1.2
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
export async function probeLatency(opts: RequestOptions, pool: Pool): Promise<SearchProbe> {
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
 * model bursts of 4, 16, 64 … users (at most `maxUsers`), each user sending its next request when
 * the last one answered, until a burst adds less than 20% to the best so far. Unlike an open-model
 * step past the limit, a burst's backlog is bounded by its users and every request is waited for,
 * so it leaves the agent no abandoned work to carry into the first step: a 4x growth step did that
 * to the seed-000 agent, whose abandoned requests then broke rates it held when fresh.
 */
export async function measureThroughput(opts: RequestOptions, pool: Pool, latencyMs: number, maxUsers: number, deadline: number): Promise<SearchProbe['throughput']> {
  const windowMs = Math.min(MAX_BURST_MS, Math.max(MIN_BURST_MS, 4 * latencyMs))
  const bursts: Burst[] = []
  let best: Burst | undefined
  for (let users = Math.min(FIRST_BURST_USERS, maxUsers); ; users = Math.min(maxUsers, users * BURST_GROWTH)) {
    // A burst ends one window and one in-flight request (its timeout at worst) from now.
    if (opts.signal?.aborted || performance.now() + windowMs + Math.min(opts.timeoutMs, 4 * latencyMs) > deadline) break
    const burst = await runBurst(opts, pool, users, windowMs)
    bursts.push(burst)
    const saturated = best !== undefined && burst.rps < SATURATED_GAIN * best.rps
    if (!best || burst.rps > best.rps) best = burst
    // Mostly failing: the agent sheds load (429/503) or breaks; more users only add to that.
    if (saturated || burst.failed > burst.ok || users >= maxUsers) break
  }
  return best && best.rps > 0 ? { rps: best.rps, concurrency: best.concurrency, bursts } : undefined
}

async function runBurst(opts: RequestOptions, pool: Pool, users: number, windowMs: number): Promise<Burst> {
  const start = performance.now()
  const end = start + windowMs
  const latencies: number[] = []
  let failed = 0
  let lastAnswer = start
  const user = async () => {
    while (performance.now() < end && !opts.signal?.aborted) {
      const ms = await timedRequest(opts, pool, opts.timeoutMs)
      // Only answers inside the window count: one that lands after it was waited for, not measured.
      if (performance.now() > end) break
      if (ms === undefined) failed++
      else latencies.push(ms)
      lastAnswer = performance.now()
    }
  }
  await Promise.all(Array.from({ length: users }, user))
  // Answers per second up to the last one in the window: a window of a few latencies would
  // otherwise count whole rounds of answers only, up to a quarter low.
  const rps = latencies.length / Math.max(0.001, (lastAnswer - start) / 1000)
  return { concurrency: users, rps: Math.round(rps * 10) / 10, ok: latencies.length, failed, p50Ms: Math.round(median(latencies)) }
}

function median(xs: number[]): number {
  if (xs.length === 0) return 0
  const sorted = [...xs].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}
