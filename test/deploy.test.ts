/**
 * The Kubernetes manifests and Dockerfile in deploy/ are what users copy: parse them and assert
 * the production properties issue 3 promises, so an edit that drops one fails CI.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseAllDocuments } from 'yaml'
import { validateCatalogue } from '../checks/catalogue-validate.js'
import { ConfigSchema } from '../src/config/schema.js'
import { runChecks } from '../src/runner.js'

const DEPLOY = join(import.meta.dirname, '..', 'deploy')
// The agent's own dependency probe timeout in /ready (agent/routes/ops.ts).
const AGENT_DEPENDENCY_PROBE_TIMEOUT_MS = 1500

type Doc = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> }; [k: string]: any }
const docs: Doc[] = readdirSync(DEPLOY)
  .filter((f) => f.endsWith('.yaml'))
  .flatMap((f) =>
    parseAllDocuments(readFileSync(join(DEPLOY, f), 'utf8')).map((d) => {
      expect(d.errors, `${f}: ${d.errors.join('; ')}`).toEqual([])
      return d.toJS() as Doc
    }),
  )
  .filter(Boolean)
const one = (kind: string, name = 'ai-agent') => {
  const found = docs.find((d) => d.kind === kind && d.metadata.name === name)
  expect(found, `${kind}/${name} in deploy/`).toBeDefined()
  return found!
}
const deployment = one('Deployment')
const pod = deployment.spec.template.spec
const agent = pod.containers.find((c: any) => c.name === 'agent')

describe('deploy/ manifests', () => {
  it('every document is a namespaced Kubernetes object with apiVersion, kind and name', () => {
    expect(docs.length).toBeGreaterThanOrEqual(8)
    for (const d of docs) {
      expect(d.apiVersion).toBeTruthy()
      expect(d.kind).toBeTruthy()
      expect(d.metadata?.name).toBeTruthy()
      if (d.kind !== 'Namespace') expect(d.metadata.namespace, `${d.kind}/${d.metadata.name}`).toBe('ai-agents')
    }
  })

  it('runs at least 2 replicas, without a service-account token, spread across nodes', () => {
    expect(deployment.spec.replicas).toBeGreaterThanOrEqual(2)
    expect(pod.automountServiceAccountToken).toBe(false)
    expect(one('ServiceAccount').automountServiceAccountToken).toBe(false)
    expect(pod.serviceAccountName).toBe('ai-agent')
    expect(deployment.spec.strategy.rollingUpdate.maxUnavailable).toBe(0)
    expect(pod.topologySpreadConstraints.map((t: any) => t.topologyKey)).toContain('kubernetes.io/hostname')
    expect(deployment.spec.selector.matchLabels).toEqual({ app: 'ai-agent' })
    expect(deployment.spec.template.metadata.labels).toMatchObject(deployment.spec.selector.matchLabels)
  })

  it('locks the container down: non-root, read-only root fs, no escalation, no capabilities, RuntimeDefault seccomp', () => {
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } })
    expect(pod.securityContext.runAsUser).toBeGreaterThan(0)
    for (const c of pod.containers) {
      expect(c.securityContext, c.name).toMatchObject({
        runAsNonRoot: true,
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
        seccompProfile: { type: 'RuntimeDefault' },
      })
      expect(c.securityContext.capabilities.add ?? []).toEqual([])
      expect(c.securityContext.privileged ?? false).toBe(false)
    }
    expect(one('Namespace', 'ai-agents').metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted')
  })

  it('gives the read-only root filesystem writable emptyDirs for /tmp and the PGlite data dir', () => {
    const mounts = Object.fromEntries(agent.volumeMounts.map((m: any) => [m.mountPath, m.name]))
    const volumes = Object.fromEntries(pod.volumes.map((v: any) => [v.name, v]))
    expect(volumes[mounts['/tmp']].emptyDir).toBeDefined()
    const dataDir = agent.env.find((e: any) => e.name === 'AGENT_DATA_DIR').value
    expect(volumes[mounts[dataDir]].emptyDir).toBeDefined()
    for (const v of pod.volumes.filter((v: any) => v.emptyDir)) expect(v.emptyDir.sizeLimit, v.name).toBeTruthy()
  })

  it('sets requests and limits for CPU and memory', () => {
    for (const c of pod.containers) {
      expect(c.resources.requests).toMatchObject({ cpu: expect.anything(), memory: expect.anything() })
      expect(c.resources.limits).toMatchObject({ cpu: expect.anything(), memory: expect.anything() })
    }
  })

  it('probes liveness on /health and readiness on /ready, with timeouts above the agent\'s dependency timeouts', () => {
    expect(agent.livenessProbe.httpGet.path).toBe('/health')
    expect(agent.readinessProbe.httpGet.path).toBe('/ready')
    for (const probe of [agent.livenessProbe, agent.readinessProbe, agent.startupProbe]) {
      expect(probe.timeoutSeconds * 1000).toBeGreaterThan(AGENT_DEPENDENCY_PROBE_TIMEOUT_MS)
    }
    // Liveness must not depend on dependencies, or a database outage restarts every replica.
    expect(agent.livenessProbe.httpGet.path).not.toBe(agent.readinessProbe.httpGet.path)
    const shutdownGraceMs = Number(one('ConfigMap', 'ai-agent-config').data.SHUTDOWN_GRACE_MS)
    expect(pod.terminationGracePeriodSeconds * 1000).toBeGreaterThan(shutdownGraceMs + 5000)
  })

  it('references secrets, never carries them: no Secret with data, no literal secret values', () => {
    expect(docs.filter((d) => d.kind === 'Secret')).toEqual([])
    const secretVolume = pod.volumes.find((v: any) => v.secret)
    expect(secretVolume.secret.secretName).toBe('ai-agent-secrets')
    for (const e of agent.env) {
      if (/KEY|TOKEN|SECRET|PASSWORD|DATABASE_URL|REDIS_URL/.test(e.name)) {
        expect(e.name, 'secret-bearing variables point at files').toMatch(/_FILE$/)
        expect(e.value).toMatch(/^\/var\/run\/secrets\/ai-agent\//)
      }
    }
    const text = readdirSync(DEPLOY).filter((f) => f.endsWith('.yaml')).map((f) => readFileSync(join(DEPLOY, f), 'utf8')).join('\n')
    expect(text).not.toMatch(/sk-[A-Za-z0-9]{8,}|:\/\/[^\s:/@]+:[^\s@]+@/)
    expect(agent.image).not.toMatch(/:latest$|^[^:]+$/)
  })

  it('has a NetworkPolicy default-deny plus one selecting the agent, an HPA and a PDB', () => {
    const deny = one('NetworkPolicy', 'default-deny')
    expect(deny.spec.podSelector).toEqual({})
    expect(deny.spec.policyTypes).toEqual(['Ingress', 'Egress'])
    const policy = one('NetworkPolicy')
    expect(policy.spec.podSelector.matchLabels).toEqual({ app: 'ai-agent' })
    expect(policy.spec.ingress.flatMap((r: any) => r.ports.map((p: any) => p.port))).toContain(8080)
    expect(policy.spec.egress.flatMap((r: any) => r.ports.map((p: any) => p.port))).toEqual(expect.arrayContaining([53, 5432, 6379, 443]))

    const hpa = one('HorizontalPodAutoscaler')
    expect(hpa.apiVersion).toBe('autoscaling/v2')
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'ai-agent' })
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2)
    expect(hpa.spec.maxReplicas).toBeGreaterThan(hpa.spec.minReplicas)

    const pdb = one('PodDisruptionBudget')
    expect(pdb.apiVersion).toBe('policy/v1')
    expect(pdb.spec.selector.matchLabels).toEqual({ app: 'ai-agent' })
    expect(pdb.spec.minAvailable).toBeLessThan(deployment.spec.replicas)

    expect(one('Service').spec.selector).toEqual({ app: 'ai-agent' })
  })
})

describe('deploy/Dockerfile', () => {
  const dockerfile = readFileSync(join(DEPLOY, 'Dockerfile'), 'utf8')
  const finalStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '))

  it('runs the final stage as a numeric non-root user', () => {
    const users = [...finalStage.matchAll(/^USER\s+(\S+)/gm)].map((m) => m[1]!)
    expect(users.length).toBeGreaterThan(0)
    const [uid] = users.at(-1)!.split(':')
    expect(uid).toMatch(/^\d+$/)
    expect(Number(uid)).toBeGreaterThan(0)
    expect(Number(uid)).toBe(pod.securityContext.runAsUser)
  })

  it('builds in a separate stage, uses exec-form ENTRYPOINT, and bakes in no secrets', () => {
    expect(dockerfile.match(/^FROM /gm)!.length).toBeGreaterThanOrEqual(2)
    expect(finalStage).toMatch(/^ENTRYPOINT \[/m)
    expect(dockerfile).not.toMatch(/^\s*(ENV|ARG)\s+\S*(KEY|TOKEN|SECRET|PASSWORD)/im)
    expect(dockerfile).not.toMatch(/^ADD\s+https?:/m)
    expect(dockerfile).not.toMatch(/:latest\b/)
    expect(finalStage).toMatch(/AGENT_DATA_DIR=\/var\/lib\/agentctl/)
  })
})

describe('agentctl validate on deploy/', () => {
  it('passes every manifest-* check of the validate catalogue', async () => {
    const checks = validateCatalogue.filter((c) => c.id.startsWith('manifest-'))
    expect(checks.length).toBeGreaterThanOrEqual(5)
    const config = ConfigSchema.parse({ validate: { manifests: ['deploy/*.yaml'] } })
    const findings = await runChecks(checks, { mode: 'validate', config, timeoutMs: 10_000, options: { configFile: join(DEPLOY, '..', 'agentctl.yaml') } })
    const notPassing = findings.filter((f) => f.status !== 'pass').map((f) => `${f.checkId} ${f.status}: ${f.title}: ${f.message}`)
    expect(notPassing).toEqual([])
    expect(new Set(findings.map((f) => f.checkId))).toEqual(new Set(checks.map((c) => c.id)))
  })
})
