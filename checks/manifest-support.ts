/**
 * Shared by the manifest-* checks: find the files `validate.manifests` names (globs or folders),
 * parse every YAML document in them, and present each workload's pod spec, so each rule family
 * reads as a list of per-container rules. Polaris-style: one finding per workload, every problem
 * with a ready-to-paste remediation.
 */
import { globSync, readFileSync, statSync } from 'node:fs'
import { dirname, isAbsolute, join, relative, resolve } from 'node:path'
import { parseAllDocuments } from 'yaml'
import { z } from 'zod'
import type { CheckContext, CheckOutcome } from '../src/check.js'

/** The manifest family's options: the config file validate loaded, so relative globs resolve beside it. */
export const manifestOptions = z.strictObject({ configFile: z.string().optional() })

export type K8sObject = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

export interface ManifestDoc {
  file: string
  kind: string
  name: string
  namespace: string
  obj: K8sObject
}

export interface Workload extends ManifestDoc {
  podSpec: K8sObject
  podLabels: Record<string, string>
  podAnnotations: Record<string, string>
  containers: K8sObject[]
  /** spec.replicas for scalable kinds (default 1), undefined for DaemonSet/Job/Pod. */
  replicas?: number
  batch: boolean
}

export interface ManifestSet {
  files: string[]
  docs: ManifestDoc[]
  errors: Array<{ file: string; message: string }>
  /** Patterns that matched nothing: almost always a typo in validate.manifests. */
  unmatched: string[]
}

const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob', 'Pod'])

/** Globs and folders resolve against the config file's folder (or the working directory without one). */
export function loadManifests(patterns: readonly string[], baseDir: string): ManifestSet {
  const files = new Set<string>()
  const unmatched: string[] = []
  for (const pattern of patterns) {
    const absolute = isAbsolute(pattern) ? pattern : join(baseDir, pattern)
    let matches: string[]
    try {
      matches = statSync(absolute).isDirectory() ? globSync(join(absolute, '**/*.{yaml,yml}')) : globSync(absolute)
    } catch {
      matches = globSync(absolute)
    }
    const yamlFiles = matches.filter((f) => /\.ya?ml$/i.test(f))
    if (yamlFiles.length === 0) unmatched.push(pattern)
    for (const f of yamlFiles) files.add(resolve(f))
  }
  const set: ManifestSet = { files: [...files].sort(), docs: [], errors: [], unmatched }
  for (const file of set.files) {
    const shown = relative(process.cwd(), file) || file
    let text: string
    try {
      text = readFileSync(file, 'utf8')
    } catch (error) {
      set.errors.push({ file: shown, message: (error as Error).message })
      continue
    }
    for (const doc of parseAllDocuments(text)) {
      if ('errors' in doc && doc.errors.length > 0) {
        set.errors.push({ file: shown, message: doc.errors[0]!.message.split('\n')[0]! })
        continue
      }
      const value = doc.toJS() as K8sObject | null
      const objects = value?.kind === 'List' && Array.isArray(value.items) ? value.items : [value]
      for (const obj of objects) {
        if (!obj || typeof obj !== 'object' || typeof obj.kind !== 'string') continue
        set.docs.push({ file: shown, kind: obj.kind, name: obj.metadata?.name ?? '(unnamed)', namespace: obj.metadata?.namespace ?? 'default', obj })
      }
    }
  }
  return set
}

export function workloads(docs: readonly ManifestDoc[]): Workload[] {
  return docs.filter((d) => WORKLOAD_KINDS.has(d.kind)).map((d) => {
    const template = d.kind === 'Pod' ? { metadata: d.obj.metadata, spec: d.obj.spec } : d.kind === 'CronJob' ? d.obj.spec?.jobTemplate?.spec?.template : d.obj.spec?.template
    const podSpec = template?.spec ?? {}
    const scalable = ['Deployment', 'StatefulSet', 'ReplicaSet'].includes(d.kind)
    return {
      ...d,
      podSpec,
      podLabels: template?.metadata?.labels ?? {},
      podAnnotations: template?.metadata?.annotations ?? {},
      containers: Array.isArray(podSpec.containers) ? podSpec.containers : [],
      replicas: scalable ? (typeof d.obj.spec?.replicas === 'number' ? d.obj.spec.replicas : 1) : undefined,
      batch: d.kind === 'Job' || d.kind === 'CronJob',
    }
  })
}

export const workloadName = (w: ManifestDoc) => `${w.kind}/${w.name}`

/** A problem a rule found, and whether it fails the workload or only warns. */
export interface Problem {
  level: 'fail' | 'warn'
  text: string
  fix: string
}

/** Problems of one subject → one outcome: worst level wins; every distinct fix is listed. */
export function toOutcome(title: string, subject: ManifestDoc, problems: Problem[], passMessage: string, evidence: Record<string, unknown> = {}): CheckOutcome {
  const base = { title, evidence: { file: subject.file, namespace: subject.namespace, workload: workloadName(subject), ...evidence } }
  if (problems.length === 0) return { ...base, status: 'pass', message: passMessage }
  const status = problems.some((p) => p.level === 'fail') ? 'fail' : 'warn'
  const fixes = [...new Set(problems.map((p) => p.fix))]
  return {
    ...base,
    status,
    message: problems.map((p) => p.text).join('; '),
    evidence: { ...base.evidence, problems: problems.map((p) => `${p.level}: ${p.text}`) },
    remediation: `In ${subject.file}:\n${fixes.join('\n')}`,
  }
}

/**
 * The frame of every manifest check: skip when nothing is configured, an error per unreadable
 * file, a failure for patterns that match nothing, then the rule's outcomes.
 */
export function runManifestRule(ctx: CheckContext, rule: (set: ManifestSet) => CheckOutcome[]): CheckOutcome[] {
  const patterns = ctx.config.validate.manifests
  if (patterns.length === 0) return [{ status: 'skip', message: 'no manifests configured (validate.manifests: [deploy/*.yaml] in agentctl.yaml)' }]
  const { configFile } = ctx.options as z.output<typeof manifestOptions>
  const set = loadManifests(patterns, configFile ? dirname(configFile) : process.cwd())
  const outcomes: CheckOutcome[] = set.errors.map((e) => ({
    status: 'error' as const,
    title: `${e.file}: unreadable manifest`,
    message: `cannot parse ${e.file}: ${e.message}`,
    evidence: { file: e.file },
    remediation: 'Fix the YAML syntax (kubectl apply --dry-run=client -f FILE shows the same error).',
  }))
  if (set.unmatched.length > 0) {
    outcomes.push({ status: 'fail', message: `validate.manifests patterns matched no YAML file: ${set.unmatched.join(', ')}`, evidence: { unmatched: set.unmatched }, remediation: 'Fix the paths in validate.manifests (globs resolve against the config file\'s folder).' })
  }
  const ruled = rule(set)
  return outcomes.length + ruled.length > 0 ? [...outcomes, ...ruled] : [{ status: 'skip', message: `no matching objects in ${set.files.length} manifest file(s)` }]
}

/** Environment of a container, including envFrom ConfigMaps found in the same manifest set. */
export function containerEnv(container: K8sObject, namespace: string, docs: readonly ManifestDoc[]): Map<string, { value?: string; from: string }> {
  const env = new Map<string, { value?: string; from: string }>()
  for (const ref of container.envFrom ?? []) {
    const name = ref.configMapRef?.name
    const cm = name ? docs.find((d) => d.kind === 'ConfigMap' && d.name === name && d.namespace === namespace) : undefined
    for (const [k, v] of Object.entries(cm?.obj.data ?? {})) env.set(`${ref.prefix ?? ''}${k}`, { value: String(v), from: `ConfigMap/${name}` })
  }
  for (const e of container.env ?? []) env.set(e.name, { value: e.value === undefined ? undefined : String(e.value), from: e.valueFrom ? 'valueFrom' : 'env' })
  return env
}
