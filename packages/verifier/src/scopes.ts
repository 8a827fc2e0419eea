// requireScopes(...): a preHandler that authenticates the request and checks that the token holds every scope.
import { missingScopes } from '@keygate/protocol'
import { VerifierError } from './errors.ts'
import type { Principal } from './verify.ts'

export function checkScopes (principal: Principal, required: readonly string[]): void {
  const missing = missingScopes(required, principal.scopes)
  if (missing.length > 0) throw new VerifierError('KG_VERIFIER_ERR_SCOPE_INSUFFICIENT', `the token lacks scope ${missing.join(' ')}`)
}
