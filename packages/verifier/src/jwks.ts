// The gateway's public keys: fetched once in flight, kept for a max age, refetched for an unknown kid
// at most once per cooldown, so tokens with random kids cause no flood of fetches. An answer that is not a
// usable key set (an error, a timeout, HTML, `{"keys":[]}`) never replaces the keys in hand.
import { createPublicKey } from 'node:crypto'
import { MIN_RSA_MODULUS_BITS, SIGNING_KEY_TYPES, type SigningAlgorithm, isSigningAlgorithm } from '@keygate/protocol'

export interface VerificationKey {
  /** SPKI PEM. */
  pem: string
  alg: SigningAlgorithm
}

export interface JwksCache {
  /** The key for `kid`, or undefined when the gateway does not publish it. */
  keyFor (kid: string): Promise<VerificationKey | undefined>
  /**
   * Drops a kid at once (its signing key was revoked): it is not used again unless a later fetch lists it.
   * The next unknown kid is fetched at once, whatever the cooldown: a fresh key signs from the revocation on.
   */
  forget (kid: string): void
  readonly fetches: number
  /** Fetches whose answer was refused (error status, timeout, not JSON, no usable key). */
  readonly badAnswers: number
}

export interface JwksCacheOptions {
  url: string
  maxAgeMs: number
  cooldownMs: number
  timeoutMs: number
  /** Told of each refused answer, with why. */
  onBadAnswer?: (reason: string) => void
}

interface Jwk { kid?: unknown, kty?: unknown, crv?: unknown, x?: unknown, y?: unknown, n?: unknown, e?: unknown, alg?: unknown, use?: unknown }

/**
 * A published JWK as a verification key pinned to its own `alg`, or undefined: only the key type that
 * algorithm signs with (an Ed25519 key for EdDSA, P-256 for ES256, RSA of 2048 bits or more for RS256),
 * only its public members, never an HMAC secret.
 */
export function importJwk (jwk: Jwk): VerificationKey & { kid: string } | undefined {
  if (typeof jwk !== 'object' || jwk === null || typeof jwk.kid !== 'string' || !isSigningAlgorithm(jwk.alg)) return undefined
  if (jwk.use !== undefined && jwk.use !== 'sig') return undefined
  const type = SIGNING_KEY_TYPES[jwk.alg]
  if (jwk.kty !== type.kty || (type.crv !== undefined && jwk.crv !== type.crv)) return undefined
  const members = type.kty === 'RSA' ? { kty: 'RSA', n: jwk.n, e: jwk.e } : { kty: type.kty, crv: jwk.crv, x: jwk.x, ...(type.kty === 'EC' ? { y: jwk.y } : {}) }
  try {
    const key = createPublicKey({ key: members as never, format: 'jwk' })
    if (type.kty === 'RSA' && (key.asymmetricKeyDetails?.modulusLength ?? 0) < MIN_RSA_MODULUS_BITS) return undefined
    return { kid: jwk.kid, alg: jwk.alg, pem: key.export({ type: 'spki', format: 'pem' }) as string }
  } catch {
    // A key we cannot import verifies nothing.
    return undefined
  }
}

function toKeys (body: unknown): Map<string, VerificationKey> {
  const keys = new Map<string, VerificationKey>()
  const list = (body as { keys?: unknown } | null)?.keys
  if (!Array.isArray(list)) return keys
  for (const jwk of list as Jwk[]) {
    const imported = importJwk(jwk)
    if (imported) keys.set(imported.kid, { pem: imported.pem, alg: imported.alg })
  }
  return keys
}

class BadAnswer extends Error {}

export function createJwksCache (options: JwksCacheOptions): JwksCache {
  let keys = new Map<string, VerificationKey>()
  let fetchedAt = 0
  let inFlight: Promise<void> | undefined
  let fetches = 0
  let badAnswers = 0

  async function fetchKeys (): Promise<Map<string, VerificationKey>> {
    let res: Response
    try {
      res = await fetch(options.url, { signal: AbortSignal.timeout(options.timeoutMs), headers: { accept: 'application/json' } })
    } catch (err) {
      throw new BadAnswer(`JWKS fetch failed: ${(err as Error).message}`)
    }
    if (!res.ok) {
      await res.body?.cancel()
      throw new BadAnswer(`JWKS answered ${res.status}`)
    }
    const body: unknown = await res.json().catch(() => undefined)
    const fetched = toKeys(body)
    if (fetched.size === 0) throw new BadAnswer('JWKS answer holds no usable key')
    return fetched
  }

  function refresh (): Promise<void> {
    inFlight ??= (async () => {
      fetches++
      try {
        keys = await fetchKeys()
      } catch (err) {
        badAnswers++
        options.onBadAnswer?.((err as Error).message)
      } finally {
        // A failed fetch also counts: the cooldown holds back the next one.
        fetchedAt = Date.now()
        inFlight = undefined
      }
    })()
    return inFlight
  }

  return {
    get fetches () { return fetches },
    get badAnswers () { return badAnswers },
    forget (kid) {
      keys.delete(kid)
      fetchedAt = 0
    },
    async keyFor (kid) {
      const age = Date.now() - fetchedAt
      const known = keys.get(kid)
      if (known && age < options.maxAgeMs) return known
      const mayFetch = fetchedAt === 0 || age >= options.cooldownMs || (known !== undefined && age >= options.maxAgeMs)
      if (mayFetch || inFlight) await refresh()
      return keys.get(kid)
    }
  }
}
