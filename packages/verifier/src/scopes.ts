// requireScopes(...): a preHandler that authenticates the request and checks that the token holds every scope.
import { VerifierError } from './errors.ts'
import type { Principal } from './verify.ts'

/** The scopes of `required` that the principal lacks. */
export function missingScopesOf (principal: Principal, required: readonly string[]): string[] {
  return required.filter((s) => !principal.scopes.includes(s))
}

export function checkScopes (principal: Principal, required: readonly string[]): void {
  const missing = missingScopesOf(principal, required)
  if (missing.length > 0) throw new VerifierError('KG_VERIFIER_ERR_SCOPE_INSUFFICIENT', `the token lacks scope ${missing.join(' ')}`)
}
