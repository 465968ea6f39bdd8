import type { Check, CheckOutcome } from '../../src/check.js'
import { type Exposition, sumOf } from '../../src/metrics/exposition.js'
import { runMetricRule, metricsUnavailable, sourceEvidence } from '../../src/metrics/outcomes.js'
import { agentScrapes, type WindowData, metricOptions } from '../../src/metrics/window.js'

/** Event-loop delay (p99) at which every request waits noticeably / the process is effectively stalled. */
const LAG_WARN_S = 0.1
const LAG_FAIL_S = 1
/** Node runs JavaScript on one thread: ~1 core of CPU means the main thread is saturated. */
const CPU_WARN_CORES = 0.9

export const check: Check = {
  id: 'process-resources',
  category: 'resources',
  title: 'Agent process: memory, CPU, event-loop lag',
  description: "The agent's own process metrics from /metrics (prom-client defaults): RSS, heap, CPU rate over the sample, event-loop lag",
  appliesTo: ['diagnose'],
  severity: 'fail',
  options: metricOptions,
  async run(ctx) {
    return runMetricRule(ctx, agentScrapes, (data: WindowData) => {
      const latest = data.latest
      if (sumOf(latest, 'process_resident_memory_bytes') === undefined && sumOf(latest, 'nodejs_eventloop_lag_seconds') === undefined) {
        return { status: 'skip', message: `${data.from} has no process metrics (process_resident_memory_bytes, nodejs_eventloop_lag_seconds): enable prom-client's collectDefaultMetrics()`, evidence: sourceEvidence(data) }
      }
      return [memory(latest, data), cpu(data), eventLoop(latest, data)].filter((o): o is CheckOutcome => o !== undefined)
    // The process metrics come from the agent's own /metrics, never Prometheus: the error names that URL.
    }, (error) => metricsUnavailable({ ...ctx, config: { ...ctx.config, dependencies: { ...ctx.config.dependencies, prometheus: undefined } } }, error))
  },
}

const mb = (bytes: number) => `${Math.round(bytes / 2 ** 20)}MB`

function memory(latest: Exposition, data: WindowData): CheckOutcome | undefined {
  const rss = sumOf(latest, 'process_resident_memory_bytes')
  const heapUsed = sumOf(latest, 'nodejs_heap_size_used_bytes')
  const heapTotal = sumOf(latest, 'nodejs_heap_size_total_bytes')
  const external = sumOf(latest, 'nodejs_external_memory_bytes')
  if (rss === undefined && heapUsed === undefined) return undefined
  const evidence = { ...sourceEvidence(data), rssBytes: rss, heapUsedBytes: heapUsed, heapTotalBytes: heapTotal, externalBytes: external }
  const parts = [rss !== undefined ? `RSS ${mb(rss)}` : '', heapUsed !== undefined ? `heap ${mb(heapUsed)}${heapTotal ? ` of ${mb(heapTotal)}` : ''}` : '', external ? `external ${mb(external)}` : ''].filter(Boolean)
  return { title: 'Agent process memory', status: 'pass', evidence, message: `${parts.join(', ')} (compare with the container limit in k8s-pod-resources, or watch it grow across runs)` }
}

function cpu(data: WindowData): CheckOutcome | undefined {
  const used = sumOf(data.increase, 'process_cpu_seconds_total')
  if (used === undefined || data.singleScrape || data.coveredMs <= 0) return undefined
  const cores = used / (data.coveredMs / 1000)
  const evidence = { ...sourceEvidence(data), cpuSeconds: Number(used.toFixed(3)), cores: Number(cores.toFixed(3)) }
  const summary = `${cores.toFixed(2)} cores of CPU over the sample`
  if (cores >= CPU_WARN_CORES) return { title: 'Agent process CPU', status: 'warn', evidence, message: `${summary}: the JavaScript thread is saturated, requests queue behind each other`, remediation: 'Add replicas rather than bigger pods (one Node process uses ~1 core); profile hot paths: node --cpu-prof, or kubectl top pods --containers to compare replicas' }
  return { title: 'Agent process CPU', status: 'pass', evidence, message: summary }
}

function eventLoop(latest: Exposition, data: WindowData): CheckOutcome | undefined {
  const p99 = sumOf(latest, 'nodejs_eventloop_lag_p99_seconds')
  const mean = sumOf(latest, 'nodejs_eventloop_lag_mean_seconds') ?? sumOf(latest, 'nodejs_eventloop_lag_seconds')
  const lag = p99 ?? mean
  if (lag === undefined) return undefined
  const ms = (s: number) => `${Math.round(s * 1000)}ms`
  const evidence = { ...sourceEvidence(data), lagP99Ms: p99 !== undefined ? Math.round(p99 * 1000) : undefined, lagMs: mean !== undefined ? Math.round(mean * 1000) : undefined }
  const summary = `event-loop lag ${p99 !== undefined ? `p99 ${ms(p99)}` : ms(lag)}${mean !== undefined && p99 !== undefined ? ` (current ${ms(mean)})` : ''}`
  const fix = 'Something blocks the event loop (sync JSON of large payloads, tokenising long prompts, sync crypto/fs): profile with node --cpu-prof, move CPU work to worker threads, or add replicas'
  if (lag >= LAG_FAIL_S) return { title: 'Agent event-loop lag', status: 'fail', evidence, message: `${summary}: the process is stalling; every request and health check waits`, remediation: fix }
  if (lag >= LAG_WARN_S) return { title: 'Agent event-loop lag', status: 'warn', evidence, message: `${summary}: above ${ms(LAG_WARN_S)}, adding latency to every request`, remediation: fix }
  return { title: 'Agent event-loop lag', status: 'pass', evidence, message: summary }
}
