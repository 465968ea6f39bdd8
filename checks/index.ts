import type { Check } from '../src/check.js'
import { diagnoseCatalogue } from './catalogue-diagnose.js'
import { validateCatalogue } from './catalogue-validate.js'

/**
 * The check catalogue. Every folder under checks/ registers here through one of the two lists
 * (a parity test enforces it). A check listed in both is run by both commands.
 */
export const catalogue: readonly Check[] = [...new Set([...validateCatalogue, ...diagnoseCatalogue])]

export function findCheck(id: string): Check | undefined {
  return catalogue.find((c) => c.id === id)
}
