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

/** Why a token is invalid: a stable reason on `VerifierError#reason`, and the words the client is told. */
export const INVALID_TOKEN_REASONS = {
  too_long: 'the token is too long',
  malformed: 'the token is not a JWT',
  header: 'the token header is not a JSON object',
  forbidden_header: 'the token header carries a key, a key URL or crit',
  kid: 'the token names no signing key',
  unknown_kid: 'the token\'s signing key is not published by its issuer',
  alg: 'the token\'s algorithm is not its signing key\'s',
  signature: 'the token\'s signature is invalid',
  typ: 'the token is not an access token (typ at+jwt)',
  issuer: 'the token was issued by another issuer',
  audience: 'the token is not meant for this service',
  claims: 'a claim of the token is missing or has the wrong type',
  expired: 'the token has expired',
  not_yet_valid: 'the token is not valid yet',
  lifetime: 'the token lives longer than allowed',
  issued_in_future: 'the token was issued in the future'
} as const

export type InvalidTokenReason = keyof typeof INVALID_TOKEN_REASONS

export class VerifierError extends Error {
  override name = 'VerifierError'
  readonly statusCode: number
  readonly oauthError: string
  /** For KG_VERIFIER_ERR_TOKEN_INVALID: why. */
  readonly reason: InvalidTokenReason | undefined
  constructor (readonly code: VerifierErrorCode, message: string, options?: { cause?: unknown, reason?: InvalidTokenReason }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.statusCode = table[code].status
    this.oauthError = table[code].oauth
    this.reason = options?.reason
  }
}

/** The error for an invalid token, with its reason and the words for it. */
export function invalidToken (reason: InvalidTokenReason, cause?: unknown): VerifierError {
  return new VerifierError('KG_VERIFIER_ERR_TOKEN_INVALID', INVALID_TOKEN_REASONS[reason], cause === undefined ? { reason } : { reason, cause })
}

export function isVerifierError (err: unknown): err is VerifierError {
  return err instanceof VerifierError
}
