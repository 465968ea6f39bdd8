import type { Check } from '../src/check.js'
import { agentctlConfigCheck } from './agentctl-config/check.js'
import { authRequiredCheck } from './auth-required/check.js'
import { errorHygieneCheck } from './error-hygiene/check.js'
import { manifestAvailabilityCheck } from './manifest-availability/check.js'
import { manifestProbesCheck } from './manifest-probes/check.js'
import { manifestResourcesCheck } from './manifest-resources/check.js'
import { manifestSecretsCheck } from './manifest-secrets/check.js'
import { manifestSecurityContextCheck } from './manifest-security-context/check.js'

/**
 * Checks owned by `agentctl validate`: configuration (agentctl.yaml and the Kubernetes manifests)
 * and security. The resilience checks live in catalogue-resilience.ts; the security checks share
 * their 'mock-llm' lane and run before them (catalogue order).
 */
export const validateCatalogue: Check[] = [
  agentctlConfigCheck,
  manifestProbesCheck,
  manifestResourcesCheck,
  manifestSecurityContextCheck,
  manifestSecretsCheck,
  manifestAvailabilityCheck,
  authRequiredCheck,
  errorHygieneCheck,
]
