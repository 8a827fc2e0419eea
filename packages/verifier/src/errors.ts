// Every error of @keygate/verifier: a stable code, the HTTP status and the RFC 6750 error it maps to.

const table = {
  KG_VERIFIER_ERR_OPTIONS: { status: 500, oauth: 'server_error' },
  KG_VERIFIER_ERR_TOKEN_MISSING: { status: 401, oauth: 'invalid_token' },
  KG_VERIFIER_ERR_TOKEN_INVALID: { status: 401, oauth: 'invalid_token' },
  KG_VERIFIER_ERR_TOKEN_REVOKED: { status: 401, oauth: 'invalid_token' },
  KG_VERIFIER_ERR_SCOPE_INSUFFICIENT: { status: 403, oauth: 'insufficient_scope' },
  KG_VERIFIER_ERR_REVOCATION_STALE: { status: 503, oauth: 'temporarily_unavailable' }
} as const

export type VerifierErrorCode = keyof typeof table

export class VerifierError extends Error {
  override name = 'VerifierError'
  readonly statusCode: number
  readonly oauthError: string
  constructor (readonly code: VerifierErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.statusCode = table[code].status
    this.oauthError = table[code].oauth
  }
}

export function isVerifierError (err: unknown): err is VerifierError {
  return err instanceof VerifierError
}
