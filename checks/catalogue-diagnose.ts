import type { Check } from '../src/check.js'
import { check as breakerState } from './breaker-state/check.js'
import { check as costRecommendations } from './cost-recommendations/check.js'
import { check as costSpend } from './cost-spend/check.js'
import { check as hostResources } from './host-resources/check.js'
import { check as k8sHpa } from './k8s-hpa/check.js'
import { check as k8sPodResources } from './k8s-pod-resources/check.js'
import { check as k8sPods } from './k8s-pods/check.js'
import { check as llmLatency } from './llm-latency/check.js'
import { check as networkPolicy } from './network-policy/check.js'
import { check as performanceSlo } from './performance-slo/check.js'
import { check as processResources } from './process-resources/check.js'
import { check as secretAge } from './secret-age/check.js'
import { check as secretHygiene } from './secret-hygiene/check.js'
import { check as serviceAccountTokens } from './service-account-tokens/check.js'

/**
 * `agentctl diagnose` insight checks: performance, resources, secrets, cost. They share one metrics
 * sample and one set of Kubernetes lists per run (ctx.shared), so adding a check adds no scrape.
 */
export const diagnoseCatalogue: Check[] = [
  performanceSlo,
  llmLatency,
  breakerState,
  k8sPods,
  k8sPodResources,
  k8sHpa,
  processResources,
  hostResources,
  secretAge,
  secretHygiene,
  networkPolicy,
  serviceAccountTokens,
  costSpend,
  costRecommendations,
]
