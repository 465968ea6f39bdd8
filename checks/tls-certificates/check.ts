import { z } from 'zod'
import type { Check, CheckContext, CheckOutcome } from '../../src/check.js'
import { failureOutcome, probeBudgetMs } from '../../src/probes/index.js'
import { probeCertificate, type TlsTarget, tlsTargetsFromConfig } from '../../src/probes/tls.js'

/** Private CAs: NODE_EXTRA_CA_CERTS works for the CLI; embedders (and tests) pass PEMs here. */
const tlsOptions = z.strictObject({ tlsCa: z.union([z.string(), z.array(z.string())]).optional() })

export const WARN_DAYS = 30
export const FAIL_DAYS = 7

export const tlsCertificatesCheck: Check = {
  id: 'tls-certificates',
  category: 'connectivity',
  categoryByMode: { validate: 'dependencies', diagnose: 'connectivity' },
  title: 'TLS certificates',
  description: `Certificate expiry and validity of every TLS endpoint in the config (warn < ${WARN_DAYS} days, fail < ${FAIL_DAYS} or expired)`,
  appliesTo: ['validate', 'diagnose'],
  severity: 'fail',
  options: tlsOptions,
  async run(ctx: CheckContext): Promise<CheckOutcome[]> {
    const targets = tlsTargetsFromConfig(ctx.config)
    if (targets.length === 0) return [{ status: 'skip', message: 'no TLS endpoints in the config (https://, rediss://, tls://, postgres …?sslmode=require)' }]
    const budgetMs = probeBudgetMs(ctx)
    return Promise.all(targets.map((t) => inspect(t, ctx, budgetMs)))
  },
}

async function inspect(target: TlsTarget, ctx: CheckContext, budgetMs: number): Promise<CheckOutcome> {
  const { endpoint: ep } = target
  const title = `TLS certificate ${ep.hostPort}`
  // openssl has -starttls postgres but no NATS mode; for NATS, `nats server check connection` reads the certificate.
  const openssl = target.startTls === 'nats' ? `nats --server tls://${ep.hostPort} server check connection` : `openssl s_client -connect ${ep.host}:${ep.port} -servername ${ep.host}${target.startTls ? ' -starttls postgres' : ''} </dev/null 2>/dev/null | openssl x509 -noout -dates -subject -issuer`
  const ca = (ctx.options as z.output<typeof tlsOptions>).tlsCa
  const result = await probeCertificate(target, { signal: ctx.signal, timeoutMs: budgetMs, ...(ca ? { ca } : {}) })
  if (!result.ok) {
    if (result.serverRefusedTls) return { title, status: 'fail', message: `${target.source} asks for TLS (sslmode), but the PostgreSQL server at ${ep.hostPort} has ssl = off`, remediation: 'enable ssl in postgresql.conf with a certificate, or drop sslmode=require if the link is otherwise protected', evidence: { source: target.source, target: ep.display } }
    return { ...failureOutcome({ name: 'the TLS endpoint', service: `the server at ${ep.hostPort}`, configKey: target.source, envVar: 'its AGENTCTL_* variable', cliCommand: () => openssl, statusCommand: `nc -vz -w 2 ${ep.host} ${ep.port}`, logsCommand: '' }, ep, result.error, { budgetMs }, { source: target.source }), title }
  }
  const evidence = { source: target.source, target: ep.display, daysLeft: result.daysLeft, validTo: result.validTo, validFrom: result.validFrom, subject: result.subject, issuer: result.issuer, authorized: result.authorized, protocol: result.protocol, ...(result.authorizationError ? { authorizationError: result.authorizationError } : {}) }
  const renew = `renew it (cert-manager: \`kubectl get certificate -A\`; \`cmctl renew <name>\`), then reload the server; inspect: \`${openssl}\``
  if (result.daysLeft < 0) return { title, status: 'fail', message: `certificate for ${result.subject} EXPIRED ${Math.floor((Date.now() - Date.parse(result.validTo)) / 86_400_000)} day(s) ago (${result.validTo.slice(0, 10)}) — clients are failing the handshake`, remediation: renew, evidence }
  if (result.daysLeft < FAIL_DAYS) return { title, status: 'fail', message: `certificate for ${result.subject} expires in ${result.daysLeft} day(s) (${result.validTo.slice(0, 10)})`, remediation: renew, evidence }
  const why = explainTrust(result.authorizationError)
  const trust = result.authorized ? '' : ` — and it does not verify: ${why}`
  if (result.daysLeft < WARN_DAYS) return { title, status: 'warn', message: `certificate for ${result.subject} expires in ${result.daysLeft} days (${result.validTo.slice(0, 10)})${trust}`, remediation: renew, evidence }
  if (!result.authorized) return { title, status: 'warn', message: `certificate valid for ${result.daysLeft} more days, but it does not verify: ${why}`, remediation: `clients with verification on will refuse it: install a certificate from a trusted CA that names ${ep.host}, or give clients the CA bundle; inspect: \`${openssl}\``, evidence }
  return { title, status: 'pass', message: `valid for ${result.daysLeft} more days (until ${result.validTo.slice(0, 10)}), issued by ${result.issuer}`, evidence }
}

const TRUST_ERRORS: Record<string, string> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'self-signed CA in the chain (private CA not trusted here)',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'incomplete chain (intermediate certificate missing)',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'issuer not trusted here (private CA? set NODE_EXTRA_CA_CERTS)',
  CERT_HAS_EXPIRED: 'expired',
}

function explainTrust(error: string | undefined): string {
  if (!error) return 'untrusted chain'
  return error
    .split('; ')
    .map((part) => (TRUST_ERRORS[part] ? `${TRUST_ERRORS[part]} (${part})` : part))
    .join('; ')
}
