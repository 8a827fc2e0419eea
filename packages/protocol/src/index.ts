// @keygate/protocol: what gateway, verifier and client share. No I/O.
export { ACCESS_TOKEN_TYPE, ADMIN_SCOPE, MAX_TOKEN_TTL_SECONDS, MIN_RSA_MODULUS_BITS, SIGNING_ALGORITHMS, SIGNING_KEY_TYPES, isSigningAlgorithm } from './claims.ts'
export type { AccessTokenClaims, SigningAlgorithm } from './claims.ts'
export {
  DEFAULT_CLOCK_TOLERANCE_SECONDS, JWKS_MAX_AGE_SECONDS, MAX_CLOCK_TOLERANCE_SECONDS, MAX_EXCHANGE_SECONDS, MAX_KEY_ROW_AGE_SECONDS,
  keyRevocationLifetimeSeconds, signingKeyRevocationLifetimeSeconds, tokenRevocationExpiry
} from './lifetimes.ts'
export { MAX_SCOPES, SCOPE_PATTERN, formatScope, isValidScopeList, missingScopes, parseScope } from './scopes.ts'
export { ALL_GENERATIONS, decodeRevocation, encodeRevocation, revocationKeys } from './revocation.ts'
export type { RevocationKeys, RevocationKind, RevocationMessage } from './revocation.ts'
export { MAX_AUDIENCE_LENGTH, MAX_KEY_CLAIMS_BYTES, MAX_TOKEN_LENGTH, keyClaimsBytes } from './token-budget.ts'
