// verifyAccessToken: signature (pinned algorithm, key by kid), typ at+jwt, iss, aud, exp, nbf, iat with a
// tolerance, bounded lifetime; no Fastify here. Verified tokens are cached until they expire.
import { createVerifier } from 'fast-jwt'
import { ACCESS_TOKEN_TYPE, type AccessTokenClaims, parseScope } from '@keygate/protocol'
import { VerifierError } from './errors.ts'
import type { VerificationKey } from './jwks.ts'

/** Who called: what `request.principal` holds. */
export interface Principal {
  sub: string
  clientId: string
  scopes: string[]
  jti: string
  /** seconds since the epoch */
  exp: number
  /** seconds since the epoch */
  iat: number
}

export interface TokenVerifierOptions {
  issuer: string
  audience: string | string[]
  keyFor: (kid: string) => Promise<VerificationKey | undefined>
  clockToleranceSeconds: number
  maxTokenLifetimeSeconds: number
  cacheSize: number
  /** For tests: a fixed clock, ms. */
  now?: () => number
}

export type TokenVerifier = (token: string) => Promise<Principal>

/** Longest token worth looking at; a 100 KB header is refused before any parsing. */
export const MAX_TOKEN_LENGTH = 4096
const FORBIDDEN_HEADERS = ['jku', 'x5u', 'jwk', 'x5c', 'crit'] as const

function invalid (reason: string, cause?: unknown): VerifierError {
  return new VerifierError('KG_VERIFIER_ERR_TOKEN_INVALID', reason, cause === undefined ? undefined : { cause })
}

export function createTokenVerifier (options: TokenVerifierOptions): TokenVerifier {
  const now = options.now ?? Date.now
  const verify = createVerifier({
    // Runs on a cache miss only: headers are checked here, and the algorithm is the one the JWK names.
    key: async ({ header }: { header: Record<string, unknown> }) => {
      for (const name of FORBIDDEN_HEADERS) if (name in header) throw invalid(`header ${name} is not accepted`)
      if (typeof header.kid !== 'string' || header.kid.length > 128) throw invalid('kid missing')
      const key = await options.keyFor(header.kid)
      if (!key) throw invalid('unknown kid')
      if (header.alg !== key.alg) throw invalid('alg does not match the key')
      return key.pem
    },
    algorithms: ['EdDSA', 'ES256'],
    allowedIss: options.issuer,
    allowedAud: options.audience,
    checkTyp: ACCESS_TOKEN_TYPE,
    requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat', 'jti', 'client_id', 'scope'],
    clockTolerance: options.clockToleranceSeconds * 1000,
    cache: options.cacheSize
  })

  return async (token) => {
    if (token.length > MAX_TOKEN_LENGTH) throw invalid('token too long')
    let claims: AccessTokenClaims
    try {
      claims = await verify(token) as AccessTokenClaims
    } catch (err) {
      if (err instanceof VerifierError) throw err
      const inner = (err as { originalError?: unknown }).originalError
      if (inner instanceof VerifierError) throw inner
      throw invalid((err as { code?: string }).code ?? 'invalid token', err)
    }
    const nowSeconds = now() / 1000
    if (typeof claims.iat !== 'number' || typeof claims.exp !== 'number') throw invalid('iat and exp must be numbers')
    if (claims.exp - claims.iat > options.maxTokenLifetimeSeconds) throw invalid('lifetime above the maximum')
    if (claims.iat > nowSeconds + options.clockToleranceSeconds) throw invalid('issued in the future')
    if (typeof claims.client_id !== 'string' || typeof claims.scope !== 'string' || typeof claims.jti !== 'string' || typeof claims.sub !== 'string') {
      throw invalid('claims of the wrong type')
    }
    return { sub: claims.sub, clientId: claims.client_id, scopes: parseScope(claims.scope), jti: claims.jti, exp: claims.exp, iat: claims.iat }
  }
}
