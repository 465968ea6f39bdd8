import { describe, expect, it } from 'vitest'
import { lintManifests, statuses } from '../../test/validate/manifest-helpers.js'
import { manifestSecurityContextCheck } from './check.js'

describe('manifest-security-context', () => {
  it('passes non-root read-only containers; fails root and a writable root filesystem', async () => {
    expect(statuses((await lintManifests(manifestSecurityContextCheck, ['fixtures/manifests/pass/*.yaml'])).findings)).toEqual({ 'good-agent': 'pass' })
    const { findings, byWorkload } = await lintManifests(manifestSecurityContextCheck, ['fixtures/manifests/fail/security.yaml'])
    expect(statuses(findings)).toEqual({ 'runs-as-root': 'fail', 'writable-root': 'fail' })
    expect(byWorkload['Deployment/runs-as-root']!.message).toMatch(/runs as root \(runAsUser: 0\)/)
    expect(byWorkload['Deployment/writable-root']!.message).toBe('container agent has a writable root filesystem')
    expect(byWorkload['Deployment/writable-root']!.remediation).toMatch(/readOnlyRootFilesystem: true/)
  })
})
