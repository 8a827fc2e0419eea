// createTokenVerifier: the header (no key or key URL in it, a kid of a published key, the key's algorithm),
// the payload's shape, the signature (signature.ts, on the loop or the thread pool), then the claims (claims-check.ts);
// no Fastify here. Verified tokens are cached until they expire, and served synchronously from then.
import { LRUCache } from 'lru-cache'
import { MAX_TOKEN_LENGTH, parseScope } from '@keygate/protocol'
import { checkClaims } from './claims-check.ts'
import { invalidToken } from './errors.ts'
import type { VerificationKey } from './jwks.ts'
import { createCheckPlacement } from './check-placement.ts'
import { type SignatureKey, importSignatureKey, isCompactJws } from './signature.ts'

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

/** Longest kid worth looking up. */
export const MAX_KID_LENGTH = 128
// Keys or key URLs in a token are never followed; crit names extensions this verifier does not know.
const FORBIDDEN_HEADERS = ['jku', 'x5u', 'jwk', 'x5c', 'crit'] as const

function decodeHeader (token: string): Record<string, unknown> {
  const dot = token.indexOf('.')
  if (dot <= 0) throw invalidToken('malformed')
  let header: unknown
  try {
    header = JSON.parse(Buffer.from(token.slice(0, dot), 'base64url').toString())
  } catch {
    throw invalidToken('header')
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw invalidToken('header')
  return header as Record<string, unknown>
}

// Keys imported for signature checks, one per kid and key: imported once, not on every verification.
export const MAX_VERIFIERS = 16

function decodePayload (token: string): Record<string, unknown> {
  const start = token.indexOf('.') + 1
  let payload: unknown
  try {
    payload = JSON.parse(Buffer.from(token.slice(start, token.indexOf('.', start)), 'base64url').toString())
  } catch {
    throw invalidToken('malformed')
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) throw invalidToken('malformed')
  return payload as Record<string, unknown>
}

export function createTokenVerifier (options: TokenVerifierOptions): TokenVerifier {
  const now = options.now ?? Date.now
  const signatureKeys = new LRUCache<string, SignatureKey>({ max: MAX_VERIFIERS })
  const placement = createCheckPlacement()

  // The signature only, with the algorithm pinned to the key's: the claims are checked by checkClaims.
  function signatureKeyFor (kid: string, key: VerificationKey): SignatureKey {
    const cacheKey = `${kid}\n${key.alg}\n${key.pem}`
    let imported = signatureKeys.get(cacheKey)
    if (imported === undefined) {
      imported = importSignatureKey(key.pem, key.alg)
      signatureKeys.set(cacheKey, imported)
    }
    return imported
  }

  // Verified tokens; an entry lives no longer than its token. No reordering on a hit: the hot path is one
  // lookup. When full, the oldest is evicted, found in a ring of the tokens in the order remembered: the
  // Map's own first key would be found past every entry deleted before it, microseconds per new token in
  // a flood of them. Each token has one slot: an expired entry stays until its slot comes round (it is no
  // longer served), and a token verified again while kept (concurrent first requests, or one within the
  // clock tolerance past its exp) keeps its slot rather than evicting another's.
  const verified = new Map<string, Principal>()
  const remembered: string[] = []
  let oldest = 0
  let signatureChecks = 0

  function remember (token: string, principal: Principal): void {
    if (options.cacheSize === 0) return
    if (!verified.has(token)) {
      if (remembered.length < options.cacheSize) {
        remembered.push(token)
      } else {
        verified.delete(remembered[oldest] as string)
        remembered[oldest] = token
        oldest = (oldest + 1) % options.cacheSize
      }
    }
    verified.set(token, principal)
  }

  function cached (token: string): Principal | undefined {
    const hit = verified.get(token)
    return hit !== undefined && hit.exp * 1000 > now() ? hit : undefined
  }

  async function verify (token: string): Promise<Principal> {
    const hit = cached(token)
    if (hit) return hit
    // The gateway mints none longer (protocol's token budget): a 100 KB header is refused before any parsing.
    if (token.length > MAX_TOKEN_LENGTH) throw invalidToken('too_long')
    const header = decodeHeader(token)
    for (const name of FORBIDDEN_HEADERS) if (name in header) throw invalidToken('forbidden_header')
    const kid = header.kid
    if (typeof kid !== 'string' || kid.length > MAX_KID_LENGTH) throw invalidToken('kid')
    const key = await options.keyFor(kid)
    if (!key) throw invalidToken('unknown_kid')
    // The algorithm is the one the JWK names, whatever the token claims.
    if (header.alg !== key.alg) throw invalidToken('alg')
    if (!isCompactJws(token)) throw invalidToken('malformed')
    const payload = decodePayload(token)
    signatureChecks++
    let valid: boolean
    try {
      const signatureKey = signatureKeyFor(kid, key)
      valid = await placement.check(() => signatureKey.verifiesNow(token), () => signatureKey.verifies(token))
    } catch (err) {
      throw invalidToken('signature', err)
    }
    if (!valid) throw invalidToken('signature')
    const { scope, ...claims } = checkClaims(header, payload, options, now() / 1000)
    const principal: Principal = { ...claims, scopes: parseScope(scope), kid }
    remember(token, principal)
    return principal
  }

  return Object.defineProperties(verify, {
    signatureChecks: { get: () => signatureChecks },
    cached: { value: cached }
  }) as TokenVerifier
}
