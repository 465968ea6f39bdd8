/** Kubernetes resource quantities: CPU in cores ("250m", "1", "40000000n"), memory in bytes ("512Mi", "1G"). */
const SUFFIX: Record<string, number> = {
  n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
}

export function parseQuantity(text: string | number | undefined): number | undefined {
  if (text === undefined || text === null) return undefined
  if (typeof text === 'number') return text
  const m = /^([+-]?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)([a-zA-Z]*)$/.exec(String(text).trim())
  if (!m) return undefined
  const factor = SUFFIX[m[2]!]
  return factor === undefined ? undefined : Number(m[1]) * factor
}

/** Bytes as a Kubernetes quantity, rounded up to whole Mi (what `kubectl set resources` wants). */
export function formatMemory(bytes: number): string {
  if (bytes >= 2 ** 30 && bytes % 2 ** 30 === 0) return `${bytes / 2 ** 30}Gi`
  return `${Math.ceil(bytes / 2 ** 20)}Mi`
}

export function formatCpu(cores: number): string {
  return cores >= 1 && Number.isInteger(cores) ? String(cores) : `${Math.ceil(cores * 1000)}m`
}

export function mib(bytes: number): string {
  return `${Math.round(bytes / 2 ** 20)}Mi`
}
