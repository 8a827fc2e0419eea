// Every error the gateway raises: a stable code, a public message, an HTTP status and its OAuth `error`.
import createError, { type FastifyErrorConstructor } from '@fastify/error'

interface Entry {
  message: string
  status: number
  /** RFC 6749 §5.2 / RFC 6750 §3.1 / RFC 8707 error code on the wire. */
  oauth: string
}

const table = {
  KG_ERR_CLIENT_INVALID: { message: 'Client authentication failed', status: 401, oauth: 'invalid_client' },
  KG_ERR_REQUEST_INVALID: { message: '%s', status: 400, oauth: 'invalid_request' },
  KG_ERR_GRANT_UNSUPPORTED: { message: 'grant_type must be client_credentials', status: 400, oauth: 'unsupported_grant_type' },
  KG_ERR_SCOPE_INVALID: { message: 'The requested scope exceeds the scope granted to the key', status: 400, oauth: 'invalid_scope' },
  KG_ERR_TARGET_INVALID: { message: 'The requested audience is not allowed for this key', status: 400, oauth: 'invalid_target' },
  KG_ERR_TOKEN_FOREIGN: { message: 'The token was not issued to this client', status: 400, oauth: 'unauthorized_client' },
  KG_ERR_TOKEN_MISSING: { message: 'An access token is required (Authorization: Bearer)', status: 401, oauth: 'invalid_token' },
  KG_ERR_TOKEN_INVALID: { message: 'The access token is missing, invalid, expired or revoked', status: 401, oauth: 'invalid_token' },
  KG_ERR_SCOPE_INSUFFICIENT: { message: 'The access token lacks the scope %s', status: 403, oauth: 'insufficient_scope' },
  KG_ERR_NOT_FOUND: { message: '%s not found', status: 404, oauth: 'not_found' },
  KG_ERR_CONFLICT: { message: '%s', status: 409, oauth: 'conflict' },
  // RFC 6749 has no rate-limit code: temporarily_unavailable is what OAuth clients retry on, with Retry-After.
  KG_ERR_RATE_LIMITED: { message: 'Too many requests, retry after the Retry-After delay', status: 429, oauth: 'temporarily_unavailable' },
  KG_ERR_OVERLOADED: { message: 'The server is busy, retry later', status: 503, oauth: 'temporarily_unavailable' },
  KG_ERR_FANOUT_UNAVAILABLE: { message: 'Redis cannot be read now: verifiers are unknown, retry later', status: 503, oauth: 'temporarily_unavailable' }
} as const satisfies Record<string, Entry>

export type KeygateErrorCode = keyof typeof table

/**
 * Constructors: `throw new errors.KG_ERR_NOT_FOUND('key', { cause })`. Client errors carry no stack trace:
 * they are expected, and what matters of them is the code and the cause.
 */
export const errors = Object.fromEntries(
  Object.entries(table).map(([code, e]) => [code, createError(code, e.message, e.status, Error, e.status >= 500)])
) as { [C in KeygateErrorCode]: FastifyErrorConstructor<{ code: C }> }

/** Why a client was refused; logged, never sent (the wire body is the same for all). */
export type ClientRefusal = 'malformed' | 'client_id_mismatch' | 'unknown_key' | 'prefix_mismatch' |
  'wrong_secret' | 'revoked' | 'disabled' | 'expired' | 'ip_not_allowed' | 'not_a_secret_key' | 'not_a_keypair_key' |
  'assertion_malformed' | 'assertion_header' | 'assertion_claims' | 'assertion_audience' | 'assertion_lifetime' |
  'assertion_signature' | 'assertion_replayed'

/** What the log says of a refusal: the reason and, once the key parsed, its public keyId. */
export interface RefusalContext {
  reason: ClientRefusal
  keyId?: string
}

export function refuseClient (reason: ClientRefusal, keyId?: string): Error {
  const cause: RefusalContext = keyId === undefined ? { reason } : { reason, keyId }
  return new errors.KG_ERR_CLIENT_INVALID({ cause })
}

/** An error of the table above, as its constructors make it. */
export type KeygateError = Error & { code: KeygateErrorCode, statusCode: number, retryAfter?: number }

export function isKeygateError (err: unknown): err is KeygateError {
  return typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'string' &&
    Object.hasOwn(table, (err as { code: string }).code)
}

/** The RFC 6749 §5.2 JSON body of an error, `{"error": …, "error_description": …}`. */
export function oauthBodyOf (err: { code: KeygateErrorCode, message: string }): { error: string, error_description: string } {
  return { error: table[err.code].oauth, error_description: err.message }
}
