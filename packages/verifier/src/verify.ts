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
  /** The signing key's id. */
  kid: string
  /** The key's policy generation when the token was minted (`kgen`; 0 when absent). */
  keyGeneration: number
}

export interface TokenVerifierOptions {
  issuer: string
  /** The audience a token must name; `null` takes any (only for an issuer checking its own tokens, as introspection does). */
  audience: string | string[] | null
  keyFor: (kid: string) => Promise<VerificationKey | undefined>
  clockToleranceSeconds: number
  maxTokenLifetimeSeconds: number
  cacheSize: number
  /** For tests: a fixed clock, ms. */
  now?: () => number
}

export interface TokenVerifier {
  (token: string): Promise<Principal>
  /** The principal of a token verified before and not expired yet, without any work; else undefined. */
  cached (token: string): Principal | undefined
  /** Signature checks done so far: a token found in the cache costs none. */
  readonly signatureChecks: number
}

/** Longest token worth looking at; a 100 KB header is refused before any parsing. */
export const MAX_TOKEN_LENGTH = 4096
const FORBIDDEN_HEADERS = ['jku', 'x5u', 'jwk', 'x5c', 'crit'] as const

function invalid (reason: string, cause?: unknown): VerifierError {
  return new VerifierError('KG_VERIFIER_ERR_TOKEN_INVALID', reason, cause === undefined ? undefined : { cause })
}

function decodeHeader (token: string): Record<string, unknown> {
  const dot = token.indexOf('.')
  if (dot <= 0) throw invalid('not a JWT')
  let header: unknown
  try {
    header = JSON.parse(Buffer.from(token.slice(0, dot), 'base64url').toString())
  } catch {
    throw invalid('header is not JSON')
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw invalid('header is not an object')
  return header as Record<string, unknown>
}

// One synchronous fast-jwt verifier per key: it imports the PEM once (an async key callback would import
// it on every call, doubling the cost of a cold verification).
const MAX_VERIFIERS = 16

export function createTokenVerifier (options: TokenVerifierOptions): TokenVerifier {
  const now = options.now ?? Date.now
  const verifiers = new Map<string, (token: string) => unknown>()

  function verifierFor (kid: string, key: VerificationKey): (token: string) => unknown {
    const cacheKey = `${kid}\n${key.alg}\n${key.pem}`
    let verifier = verifiers.get(cacheKey)
    if (verifier) return verifier
    verifier = createVerifier({
      key: key.pem,
      algorithms: [key.alg as 'EdDSA' | 'ES256'],
      allowedIss: options.issuer,
      ...(options.audience === null ? {} : { allowedAud: options.audience }),
      checkTyp: ACCESS_TOKEN_TYPE,
      requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat', 'jti', 'client_id', 'scope'],
      // The times are checked below, against this verifier's clock.
      ignoreExpiration: true,
      ignoreNotBefore: true
    })
    if (verifiers.size >= MAX_VERIFIERS) verifiers.delete(verifiers.keys().next().value as string)
    verifiers.set(cacheKey, verifier)
    return verifier
  }

  // Verified tokens, oldest first (evicted first when full); an entry lives no longer than its token.
  // No reordering on a hit: the hot path is one lookup.
  const verified = new Map<string, Principal>()
  let signatureChecks = 0

  function remember (token: string, principal: Principal): void {
    if (options.cacheSize === 0) return
    if (verified.size >= options.cacheSize) verified.delete(verified.keys().next().value as string)
    verified.set(token, principal)
  }

  function cached (token: string): Principal | undefined {
    const hit = verified.get(token)
    if (hit === undefined) return undefined
    if (hit.exp * 1000 > now()) return hit
    verified.delete(token)
    return undefined
  }

  async function verify (token: string): Promise<Principal> {
    const hit = cached(token)
    if (hit) return hit
    if (token.length > MAX_TOKEN_LENGTH) throw invalid('token too long')
    const header = decodeHeader(token)
    for (const name of FORBIDDEN_HEADERS) if (name in header) throw invalid(`header ${name} is not accepted`)
    if (typeof header.kid !== 'string' || header.kid.length > 128) throw invalid('kid missing')
    const key = await options.keyFor(header.kid)
    if (!key) throw invalid('unknown kid')
    // The algorithm is the one the JWK names, whatever the token claims.
    if (header.alg !== key.alg) throw invalid('alg does not match the key')
    let claims: AccessTokenClaims
    signatureChecks++
    try {
      claims = verifierFor(header.kid, key)(token) as AccessTokenClaims
    } catch (err) {
      throw invalid((err as { code?: string }).code ?? 'invalid token', err)
    }
    const nowSeconds = now() / 1000
    const tolerance = options.clockToleranceSeconds
    if (typeof claims.iat !== 'number' || typeof claims.exp !== 'number') throw invalid('iat and exp must be numbers')
    if (claims.nbf !== undefined && typeof claims.nbf !== 'number') throw invalid('nbf must be a number')
    if (claims.exp + tolerance <= nowSeconds) throw invalid('expired')
    if (claims.nbf !== undefined && claims.nbf - tolerance > nowSeconds) throw invalid('not valid yet')
    if (claims.exp - claims.iat > options.maxTokenLifetimeSeconds) throw invalid('lifetime above the maximum')
    if (claims.iat > nowSeconds + tolerance) throw invalid('issued in the future')
    if (typeof claims.client_id !== 'string' || typeof claims.scope !== 'string' || typeof claims.jti !== 'string' || typeof claims.sub !== 'string') {
      throw invalid('claims of the wrong type')
    }
    const generation = claims.kgen ?? 0
    if (!Number.isSafeInteger(generation) || generation < 0) throw invalid('kgen must be a non-negative integer')
    const principal: Principal = {
      sub: claims.sub, clientId: claims.client_id, scopes: parseScope(claims.scope), jti: claims.jti, exp: claims.exp, iat: claims.iat, kid: header.kid, keyGeneration: generation
    }
    remember(token, principal)
    return principal
  }

  return Object.defineProperties(verify, {
    signatureChecks: { get: () => signatureChecks },
    cached: { value: cached }
  }) as TokenVerifier
}
