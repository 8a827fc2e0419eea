// Verifies tokens this gateway issued (admin bearer tokens): EdDSA only, typ at+jwt, our issuer, bounded lifetime.
import { createPublicKey } from 'node:crypto'
import { createVerifier } from 'fast-jwt'
import { ACCESS_TOKEN_TYPE, type AccessTokenClaims, MAX_TOKEN_TTL_SECONDS } from '@keygate/protocol'
import { errors } from '../errors.ts'
import type { PublicJwk } from './signing-keys.ts'

export const CLOCK_TOLERANCE_SECONDS = 30

export interface OwnTokenVerifierOptions {
  issuer: string
  /** The published keys; asked again (it caches briefly) when a kid is unknown. */
  publishedKeys: () => Promise<PublicJwk[]>
}

export type OwnTokenVerifier = (token: string) => Promise<AccessTokenClaims>

export function createOwnTokenVerifier ({ issuer, publishedKeys }: OwnTokenVerifierOptions): OwnTokenVerifier {
  const pems = new Map<string, string>()

  async function pemFor (kid: unknown): Promise<string> {
    if (typeof kid !== 'string') throw new Error('no kid')
    const known = pems.get(kid)
    if (known) return known
    const jwk = (await publishedKeys()).find((k) => k.kid === kid)
    if (!jwk) throw new Error('unknown kid')
    const pem = createPublicKey({ key: { kty: jwk.kty, crv: jwk.crv, x: jwk.x }, format: 'jwk' }).export({ type: 'spki', format: 'pem' }) as string
    pems.set(kid, pem)
    return pem
  }

  const verify = createVerifier({
    key: async (decoded: { header: { kid?: unknown } }) => pemFor(decoded.header.kid),
    algorithms: ['EdDSA'],
    allowedIss: issuer,
    checkTyp: ACCESS_TOKEN_TYPE,
    requiredClaims: ['iss', 'sub', 'client_id', 'scope', 'jti', 'iat', 'exp'],
    clockTolerance: CLOCK_TOLERANCE_SECONDS * 1000
  })

  return async (token) => {
    let claims: AccessTokenClaims
    try {
      claims = await verify(token) as AccessTokenClaims
    } catch (err) {
      throw new errors.KG_ERR_TOKEN_INVALID({ cause: (err as { code?: string }).code ?? 'invalid' })
    }
    if (claims.exp - claims.iat > MAX_TOKEN_TTL_SECONDS) throw new errors.KG_ERR_TOKEN_INVALID({ cause: 'lifetime' })
    if (claims.iat > Date.now() / 1000 + CLOCK_TOLERANCE_SECONDS) throw new errors.KG_ERR_TOKEN_INVALID({ cause: 'issued in the future' })
    return claims
  }
}
