import { describe, expect, it } from 'vitest'
import { resolveKube } from './resolve.js'
import { formatMemory, parseQuantity } from './quantity.js'
import { rotationTime, secretUsage } from './secrets.js'
import { workloadOf } from './workload.js'

describe('resolveKube', () => {
  it('is not configured without kubernetes:, $KUBECONFIG or a pod environment', () => {
    const r = resolveKube({}, {})
    expect(r.configured).toBe(false)
  })
  it('uses $KUBECONFIG and takes the namespace from the context when config sets none', () => {
    const r = resolveKube({}, { KUBECONFIG: '/tmp/kc.yaml:/tmp/other.yaml' })
    expect(r).toMatchObject({ configured: true, target: { kubeconfig: '/tmp/kc.yaml', namespaceFromConfig: false } })
  })
  it('prefers config over the environment and falls back to in-cluster', () => {
    expect(resolveKube({ kubernetes: { kubeconfig: '/a', namespace: 'ai-agents', context: 'prod' } }, { KUBECONFIG: '/b' })).toMatchObject({ target: { kubeconfig: '/a', context: 'prod', namespace: 'ai-agents' } })
    expect(resolveKube({}, { KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' })).toMatchObject({ configured: true, target: { inCluster: true } })
  })
})

describe('kube helpers', () => {
  it('parses quantities', () => {
    expect(parseQuantity('250m')).toBe(0.25)
    expect(parseQuantity('40000000n')).toBeCloseTo(0.04)
    expect(parseQuantity('512Mi')).toBe(512 * 2 ** 20)
    expect(parseQuantity('1G')).toBe(1e9)
    expect(parseQuantity('bogus')).toBeUndefined()
    expect(formatMemory(768 * 2 ** 20)).toBe('768Mi')
  })
  it('names the deployment behind a ReplicaSet-owned pod', () => {
    const pod = { metadata: { name: 'web-5d8-x', labels: { 'pod-template-hash': '5d8' }, ownerReferences: [{ kind: 'ReplicaSet', name: 'web-api-5d8', controller: true, apiVersion: 'apps/v1', uid: '1' }] } }
    expect(workloadOf(pod).ref).toBe('deploy/web-api')
  })
  it('ages a secret from managedFields when its data was rewritten after creation', () => {
    const created = new Date(Date.now() - 300 * 86_400_000)
    const rewritten = new Date(Date.now() - 5 * 86_400_000)
    const secret = { metadata: { creationTimestamp: created, managedFields: [{ manager: 'kubectl', operation: 'Update', time: rewritten, fieldsV1: { 'f:data': { 'f:key': {} } } }] } }
    expect(rotationTime(secret as never)).toMatchObject({ at: rewritten, basis: 'managedFields (last write of data)' })
  })
  it('maps secret usage across env, envFrom, projected volumes and image pull secrets', () => {
    const pod = { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', env: [{ name: 'K', valueFrom: { secretKeyRef: { name: 'a', key: 'k' } } }], envFrom: [{ secretRef: { name: 'b' } }] }], volumes: [{ name: 'v', projected: { sources: [{ secret: { name: 'c' } }] } }], imagePullSecrets: [{ name: 'd' }] } }
    const usage = secretUsage([pod as never])
    expect([...usage.keys()].sort()).toEqual(['a', 'b', 'c', 'd'])
    expect([...usage.get('a')!.via]).toEqual(['env'])
  })
})
