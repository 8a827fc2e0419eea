// The access-token profile (RFC 9068) that gateway and verifier agree on.

/** JOSE header `typ` of every keygate access token (RFC 9068 §2.1). */
export const ACCESS_TOKEN_TYPE = 'at+jwt'

/** Signature algorithms a keygate token may carry; never `none`, never HMAC. */
export const SIGNING_ALGORITHMS = ['EdDSA', 'ES256'] as const
export type SigningAlgorithm = typeof SIGNING_ALGORITHMS[number]

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
