import type { Check } from '../src/check.js'
import { dependencyCatalogue } from './catalogue-dependencies.js'
import { diagnoseCatalogue } from './catalogue-diagnose.js'
import { resilienceCatalogue } from './catalogue-resilience.js'
import { validateCatalogue } from './catalogue-validate.js'

/**
 * The check catalogue. Every folder under checks/ registers in exactly one of these lists (a parity
 * test enforces it); each check's `appliesTo` says which commands run it.
 */
export const catalogue: readonly Check[] = [...validateCatalogue, ...dependencyCatalogue, ...resilienceCatalogue, ...diagnoseCatalogue]

export function findCheck(id: string): Check | undefined {
  return catalogue.find((c) => c.id === id)
}
