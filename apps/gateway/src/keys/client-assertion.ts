// Client authentication by signed assertion (RFC 7523 §2.2 and §3, with the audience rules of
// draft-ietf-oauth-rfc7523bis): what the assertion must say, read without any I/O, and its signature
// checked against the keypair key's public keys, its algorithm pinned to theirs.
import { type KeyObject, createPublicKey, verify } from 'node:crypto'
import { LRUCache } from 'lru-cache'
import { refuseClient } from '../errors.ts'
import type { KeyPublicKey } from './store.ts'

export const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'
/** An assertion lives at most this long past now (plus the clock tolerance): its jti is kept as long. */
export const MAX_ASSERTION_LIFETIME_SECONDS = 300
const MAX_ASSERTION_LENGTH = 4096
const MAX_JTI_LENGTH = 256
/**
 * What an assertion may be signed with, and the key algorithm each means: `Ed25519` is RFC 9864's fully
 * specified name for EdDSA with an Ed25519 key (what oauth4webapi and openid-client send).
 */
export const ASSERTION_ALGORITHMS: Readonly<Record<string, 'EdDSA' | 'ES256'>> = { EdDSA: 'EdDSA', Ed25519: 'EdDSA', ES256: 'ES256' }
// A key, a key URL or a certificate in the header would let the assertion name its own key: never.
const FORBIDDEN_HEADERS = ['jwk', 'jku', 'x5u', 'x5c', 'x5t', 'x5t#S256', 'crit']
const TYPES = new Set(['client-authentication+jwt', 'JWT', 'jwt'])

export interface ClientAssertion {
  keyId: string
  alg: 'EdDSA' | 'ES256'
  kid: string | undefined
  jti: string
  /** ms since the epoch */
  expiresAt: number
  signingInput: Buffer
  signature: Buffer
}

function decodeJson (part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'))
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? value as Record<string, unknown> : undefined
  } catch {
    return undefined
  }
}

/**
 * The assertion's claims checked against what the gateway expects, without any lookup; throws
 * invalid_client (the same body for every reason; the reason goes to the log).
 */
export function readClientAssertion (assertion: string, expected: { issuer: string, clientId: string | undefined, nowMs: number, toleranceSeconds: number }): ClientAssertion {
  if (assertion.length > MAX_ASSERTION_LENGTH) throw refuseClient('assertion_malformed')
  const parts = assertion.split('.')
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]*$/.test(p))) throw refuseClient('assertion_malformed')
  const [h = '', p = '', s = ''] = parts
  const header = decodeJson(h)
  const claims = decodeJson(p)
  if (!header || !claims) throw refuseClient('assertion_malformed')
  const { alg, kid, typ } = header
  const keyAlg = typeof alg === 'string' && Object.hasOwn(ASSERTION_ALGORITHMS, alg) ? ASSERTION_ALGORITHMS[alg] : undefined
  if (keyAlg === undefined || FORBIDDEN_HEADERS.some((name) => name in header)) throw refuseClient('assertion_header')
  if ((typ !== undefined && (typeof typ !== 'string' || !TYPES.has(typ))) || (kid !== undefined && typeof kid !== 'string')) throw refuseClient('assertion_header')
  const { iss, sub, aud, exp, iat, nbf, jti } = claims
  if (typeof sub !== 'string' || iss !== sub || !/^[0-9A-Za-z]{1,64}$/.test(sub)) throw refuseClient('assertion_claims')
  if (expected.clientId !== undefined && expected.clientId !== sub) throw refuseClient('client_id_mismatch', sub)
  // No control character or lone surrogate: Postgres stores the jti as text.
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > MAX_JTI_LENGTH || /[\p{Cc}\p{Cs}]/u.test(jti)) throw refuseClient('assertion_claims', sub)
  // rfc7523bis §4: the audience is the authorization server's issuer identifier, as a single string.
  if (aud !== expected.issuer) throw refuseClient('assertion_audience', sub)
  const now = expected.nowMs / 1000
  const tolerance = expected.toleranceSeconds
  if (typeof exp !== 'number' || !Number.isFinite(exp) || exp <= now - tolerance || exp > now + MAX_ASSERTION_LIFETIME_SECONDS + tolerance) throw refuseClient('assertion_lifetime', sub)
  if (iat !== undefined && (typeof iat !== 'number' || iat > now + tolerance)) throw refuseClient('assertion_lifetime', sub)
  if (nbf !== undefined && (typeof nbf !== 'number' || nbf > now + tolerance)) throw refuseClient('assertion_lifetime', sub)
  return {
    keyId: sub,
    alg: keyAlg,
    kid: kid as string | undefined,
    jti,
    expiresAt: exp * 1000,
    signingInput: Buffer.from(`${h}.${p}`),
    signature: Buffer.from(s, 'base64url')
  }
}

const keyObjects = new LRUCache<string, KeyObject>({ max: 10_000 })

function keyObjectOf (key: KeyPublicKey): KeyObject {
  let object = keyObjects.get(key.thumbprint)
  if (object === undefined) {
    object = createPublicKey({ key: key.jwk, format: 'jwk' })
    keyObjects.set(key.thumbprint, object)
  }
  return object
}

/**
 * Whether one of the key's public keys of the assertion's algorithm (the one its kid names, when it names
 * a thumbprint) signed it. JWS ES256 signatures are r || s (IEEE P1363), not DER.
 */
export function isSignedByOneOf (assertion: ClientAssertion, publicKeys: readonly KeyPublicKey[]): boolean {
  const ofAlg = publicKeys.filter((k) => k.alg === assertion.alg)
  // A kid that is one of the thumbprints picks that key; any other kid (a caller's own label) leaves every key of the algorithm.
  const named = ofAlg.filter((k) => k.thumbprint === assertion.kid)
  const candidates = named.length > 0 ? named : ofAlg
  return candidates.some((k) => assertion.alg === 'EdDSA'
    ? verify(null, assertion.signingInput, keyObjectOf(k), assertion.signature)
    : verify('sha256', assertion.signingInput, { key: keyObjectOf(k), dsaEncoding: 'ieee-p1363' }, assertion.signature))
}
