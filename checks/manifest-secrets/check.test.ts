import { describe, expect, it } from 'vitest'
import { redactDeep } from '../../src/redact.js'
import { lintManifests, statuses } from '../../test/validate/manifest-helpers.js'
import { manifestSecretsCheck } from './check.js'

describe('manifest-secrets', () => {
  it('passes secretKeyRef; fails a literal key in env and a password URL in a ConfigMap, without printing them', async () => {
    const good = await lintManifests(manifestSecretsCheck, ['fixtures/manifests/pass/*.yaml'])
    expect(good.findings.every((f) => f.status === 'pass'), JSON.stringify(good.findings)).toBe(true)
    const { findings } = await lintManifests(manifestSecretsCheck, ['fixtures/manifests/fail/secrets.yaml'])
    expect(statuses(findings)).toMatchObject({ 'literal-env-secret': 'fail', 'configmap-secret': 'pass' })
    const configMap = findings.find((f) => f.title === 'Manifests: secrets in ConfigMap/configmap-secret-config')!
    expect(configMap.status).toBe('fail')
    expect(configMap.message).toMatch(/key DATABASE_URL is a credential-shaped value in a ConfigMap/)
    const rendered = JSON.stringify(redactDeep(findings))
    expect(rendered).not.toContain('sk-proj-abcdefghijklmnopqrstuvwxyz0123')
    expect(rendered).not.toContain('hunter2hunter2')
  })
})
