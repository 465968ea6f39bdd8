import { describe, expect, it } from 'vitest'
import { lintManifests, statuses } from '../../test/validate/manifest-helpers.js'
import { manifestAvailabilityCheck } from './check.js'

describe('manifest-availability', () => {
  it('passes 2 replicas with a PDB; fails a single replica without one; warns on a PDB that blocks drains', async () => {
    expect(statuses((await lintManifests(manifestAvailabilityCheck, ['fixtures/manifests/pass/*.yaml'])).findings)).toEqual({ 'good-agent': 'pass' })
    const { findings, byWorkload } = await lintManifests(manifestAvailabilityCheck, ['fixtures/manifests/fail/availability.yaml'])
    expect(statuses(findings)).toEqual({ 'single-replica': 'fail', 'blocking-pdb': 'warn' })
    expect(byWorkload['Deployment/single-replica']!.message).toMatch(/1 replica.*no PodDisruptionBudget selects its pods/)
    expect(byWorkload['Deployment/single-replica']!.remediation).toMatch(/kind: PodDisruptionBudget/)
    expect(byWorkload['Deployment/blocking-pdb']!.message).toMatch(/allows no voluntary disruption/)
  })
})
