import { describe, expect, it } from 'vitest'
import { lintManifests, statuses } from '../../test/validate/manifest-helpers.js'
import { manifestResourcesCheck, quantity } from './check.js'

describe('manifest-resources', () => {
  it('reads Kubernetes quantities', () => {
    expect(quantity('250m')).toBe(0.25)
    expect(quantity('512Mi')).toBe(512 * 2 ** 20)
    expect(quantity('1')).toBe(1)
    expect(quantity('lots')).toBeNaN()
  })

  it('passes the good workload and fails missing resources and requests above limits', async () => {
    expect(statuses((await lintManifests(manifestResourcesCheck, ['fixtures/manifests/pass'])).findings)).toEqual({ 'good-agent': 'pass' })
    const { findings, byWorkload } = await lintManifests(manifestResourcesCheck, ['fixtures/manifests/fail/resources.yaml'])
    expect(statuses(findings)).toEqual({ 'no-resources': 'fail', 'request-above-limit': 'fail' })
    expect(byWorkload['Deployment/no-resources']!.message).toMatch(/no cpu request.*no memory request.*no memory limit/)
    expect(byWorkload['Deployment/request-above-limit']!.message).toMatch(/memory request 1Gi exceeds its limit 512Mi/)
  })
})
