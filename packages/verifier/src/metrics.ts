// Prometheus metrics of the verifier: outcomes, revocation mirror size, staleness and position, JWKS fetches.
import { Counter, Gauge, Registry } from 'prom-client'
import type { MirrorStatus } from './revocation-mirror.ts'

export type VerificationOutcome = 'ok' | 'invalid' | 'revoked' | 'insufficient_scope' | 'stale'

export interface VerifierMetrics {
  registry: Registry
  outcome (result: VerificationOutcome): void
}

const OUTCOMES: VerificationOutcome[] = ['ok', 'invalid', 'revoked', 'insufficient_scope', 'stale']

export function createVerifierMetrics (registry: Registry = new Registry(), mirror: () => MirrorStatus | undefined, jwks: { readonly fetches: number, readonly badAnswers: number }): VerifierMetrics {
  // Plain numbers on the request path, turned into the labelled counter only when scraped.
  const counts: Record<VerificationOutcome, number> = { ok: 0, invalid: 0, revoked: 0, insufficient_scope: 0, stale: 0 }
  registry.registerMetric(new Counter({
    name: 'keygate_verifier_verifications_total',
    help: 'Token verifications by outcome',
    labelNames: ['outcome'],
    registers: [],
    collect () {
      this.reset()
      for (const outcome of OUTCOMES) this.inc({ outcome }, counts[outcome])
    }
  }))
  registry.registerMetric(new Counter({
    name: 'keygate_verifier_jwks_bad_answers_total',
    help: 'JWKS answers refused (error status, timeout, not a usable key set): the previous keys stayed in force',
    registers: [],
    collect () {
      this.reset()
      this.inc(jwks.badAnswers)
    }
  }))
  const gauges: Array<[string, string, () => number]> = [
    ['keygate_verifier_jwks_fetches', 'JWKS fetches since start', () => jwks.fetches],
    ['keygate_verifier_revocations', 'Live revocations in the local mirror', () => mirror()?.size ?? 0],
    ['keygate_verifier_revocation_staleness_seconds', 'How long the revocation mirror has not been current', () => (mirror()?.staleForMs ?? 0) / 1000],
    ['keygate_verifier_revocation_last_seq', 'Last revocation sequence applied', () => mirror()?.lastSeq ?? 0]
  ]
  for (const [name, help, read] of gauges) {
    registry.registerMetric(new Gauge({ name, help, registers: [], collect () { this.set(read()) } }))
  }
  return { registry, outcome: (result) => { counts[result]++ } }
}
