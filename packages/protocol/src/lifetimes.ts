// How long things last, shared by gateway and verifier: clock tolerance, exchanges, and how long a
// revocation must be kept so that no token it voids can verify again anywhere.
import { MAX_TOKEN_TTL_SECONDS } from './claims.ts'

/** Clock skew a verifier accepts by default (`exp`, `nbf`, `iat`), seconds. */
export const DEFAULT_CLOCK_TOLERANCE_SECONDS = 30

/**
 * The most clock skew a verifier may accept, seconds. Revocations are kept this long past the last
 * expiry they cover: a verifier accepting more would see revoked tokens verify again.
 */
export const MAX_CLOCK_TOLERANCE_SECONDS = 60

/**
 * The longest an exchange may take from reading a key to signing its token, seconds: a gateway that is
 * later gives up (503). It bounds how late a token can be minted from a key read before a revocation.
 */
export const MAX_EXCHANGE_SECONDS = 10

/**
 * The longest a gateway replica uses a key row it read before for exchanges, seconds (the most
 * KEYGATE_KEY_CACHE_SECONDS allows). A replica forgets a row as soon as it hears the key changed; this
 * bounds the case where it would not, so that revocations can be kept long enough regardless.
 */
export const MAX_KEY_ROW_AGE_SECONDS = 10

/** How long verifiers and proxies may cache the JWKS, seconds (`Cache-Control: max-age`). */
export const JWKS_MAX_AGE_SECONDS = 300

/**
 * How long a key revocation must be kept, seconds: a key row read just before the revocation is used by
 * exchanges for at most MAX_KEY_ROW_AGE_SECONDS, each signs at most MAX_EXCHANGE_SECONDS after it began,
 * the token lives at most MAX_TOKEN_TTL_SECONDS, and verifies up to MAX_CLOCK_TOLERANCE_SECONDS past its `exp`.
 *
 * @example keyRevocationLifetimeSeconds() // 3680
 */
export function keyRevocationLifetimeSeconds (): number {
  return MAX_KEY_ROW_AGE_SECONDS + MAX_EXCHANGE_SECONDS + MAX_TOKEN_TTL_SECONDS + MAX_CLOCK_TOLERANCE_SECONDS
}

/**
 * When a revocation of one token (by `jti`) may be dropped, seconds since the epoch: once its `exp` is
 * beyond every verifier's tolerance.
 *
 * @example tokenRevocationExpiry(1_700_000_300) // 1_700_000_360
 */
export function tokenRevocationExpiry (exp: number): number {
  return exp + MAX_CLOCK_TOLERANCE_SECONDS
}

/**
 * How long a signing-key revocation must be kept, seconds: a forged token of that kid can claim any time
 * a verifier accepts, and a JWKS answer cached upstream may still list the kid for JWKS_MAX_AGE_SECONDS.
 */
export function signingKeyRevocationLifetimeSeconds (): number {
  return JWKS_MAX_AGE_SECONDS + MAX_TOKEN_TTL_SECONDS + MAX_CLOCK_TOLERANCE_SECONDS
}
