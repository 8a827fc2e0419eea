// The access-token profile (RFC 9068) that gateway and verifier agree on.

/** JOSE header `typ` of every keygate access token (RFC 9068 §2.1). */
export const ACCESS_TOKEN_TYPE = 'at+jwt'

/** Signature algorithms a keygate token may carry; never `none`, never HMAC. */
export const SIGNING_ALGORITHMS = ['EdDSA', 'ES256', 'RS256'] as const
export type SigningAlgorithm = typeof SIGNING_ALGORITHMS[number]

export function isSigningAlgorithm (value: unknown): value is SigningAlgorithm {
  return (SIGNING_ALGORITHMS as readonly unknown[]).includes(value)
}

/** The key each algorithm signs with, as a JWK's `kty` and `crv` (RFC 8037, RFC 7518 §3.3–3.4). */
export const SIGNING_KEY_TYPES: Readonly<Record<SigningAlgorithm, { kty: 'OKP' | 'EC' | 'RSA', crv?: string }>> = {
  EdDSA: { kty: 'OKP', crv: 'Ed25519' },
  ES256: { kty: 'EC', crv: 'P-256' },
  RS256: { kty: 'RSA' }
}

/** Smallest RSA modulus, in bits, that keygate signs with or accepts (RFC 7518 §3.3). */
export const MIN_RSA_MODULUS_BITS = 2048

/** Longest token lifetime, in seconds, that gateway issues and verifier accepts. */
export const MAX_TOKEN_TTL_SECONDS = 3600

/** The scope that grants the admin API. */
export const ADMIN_SCOPE = 'keygate:admin'

/** Claims of a keygate access token. */
export interface AccessTokenClaims {
  iss: string
  sub: string
  aud: string | string[]
  client_id: string
  scope: string
  jti: string
  iat: number
  exp: number
  nbf?: number
  /**
   * The key's policy generation when the token was minted. Disabling a key or narrowing its scopes or
   * audiences raises the generation and voids the tokens of every lower one, however late they were
   * signed. Absent from tokens of older gateways: read as 0.
   */
  kgen?: number
}
